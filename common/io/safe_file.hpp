// safe_file.hpp: reading and atomically replacing files in folders that other users own (a
// user's ~/.docker), so that nothing planted there can redirect a write or leak a file.
//
// - A folder path is opened component by component. A symlink is followed only when the folder
//   that holds it belongs to root and is not writable by others; a symlink a user could have
//   planted is refused.
// - The file itself is never followed: a symlink, a hard link (link count > 1), a file that is
//   not regular, or one owned by someone other than the folder's owner or root, is refused.
// - A write goes to a temp file in the same folder (O_EXCL, 0600), is fsynced, chowned to the
//   folder's owner, renamed over the old file, and the folder is fsynced. On any failure the
//   temp file is removed and the old file is untouched.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::io {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

enum class CreateDirs { no, yes };

struct Dir {
  Fd fd;
  std::string path;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Opens `path` (absolute or relative to the working folder) as described above. With
// CreateDirs::yes, missing components are made (0700, owned like the folder that holds them).
Result<Dir> open_dir(const std::string& path, CreateDirs create);

struct FileContent {
  std::string text;
  mode_t mode = 0;
};

// The file `name` in `dir`, or nullopt when it does not exist. Errors: refused as above, larger
// than max_size, or unreadable.
Result<std::optional<FileContent>> read_file(const Dir& dir, std::string_view name,
                                             std::size_t max_size);

// A read-only mapping of a file. For files replaced by rename (the daemon's state): a mapping
// keeps the file it was made from. A reader touches only the pages it looks at.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// read_file's checks, then a mapping instead of a copy.
Result<std::optional<MappedFile>> map_file(const Dir& dir, std::string_view name,
                                           std::size_t max_size);

struct WriteOptions {
  mode_t mode = 0600;
  bool owner_from_dir = true;  // chown to the folder's owner (when running as root)
};

// Atomically replaces `name` in `dir` with `content`.
Result<void> write_file(const Dir& dir, std::string_view name, std::string_view content,
                        const WriteOptions& options);

// Splits "/a/b/c.json" into ("/a/b", "c.json"); "c.json" into (".", "c.json").
std::pair<std::string, std::string> split_path(const std::string& path);

// Plain helpers for files the daemon itself owns (config, manifests): errors name the path.
Result<std::string> read_whole_file(const std::string& path, std::size_t max_size);
// A file that decides who the program is to the API server (a kubeconfig, a token file):
// refused when any user may write it (o+w), which would let any local user swap the identity.
// Links are followed (a projected service account token is one); the file read is checked.
Result<std::string> read_identity_file(const std::string& path, std::size_t max_size);
// The same for a path someone else chose: the last component is not followed, opening never
// blocks (a FIFO), and anything but a regular file is refused before a byte is read.
Result<std::string> read_regular_file(const std::string& path, std::size_t max_size);

}  // namespace regcred::io
