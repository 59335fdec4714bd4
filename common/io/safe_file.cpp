#include "common/io/safe_file.hpp"

#include <dirent.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace regcred::io {
namespace {

std::string errno_text(int e) {
  return std::strerror(e);
}

Unexpected sys_fail(const std::string& action, int e) {
  return fail(e == ENOENT ? Code::not_found : Code::io_error, action + ": " + errno_text(e));
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/')
      ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/')
      ++j;
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// May a symlink inside this folder be trusted? Only when nobody but root could have put it
// there: root-owned, and not writable by group or others (a sticky /tmp is not enough).
bool trusted_folder(const struct stat& st) {
  return st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

Result<void> full_write(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_fail("write", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

std::string temp_name(std::string_view name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr std::string_view hex = "0123456789abcdef";
  // Appended piecewise: GCC 12's -Wrestrict misfires on "." + std::string(...) at -O3.
  std::string s(".");
  s.append(name);
  s.append(".regcred-");
  std::uint64_t r = rng();
  for (int i = 0; i < 12; ++i) {
    s += hex[r & 15U];
    r >>= 4U;
  }
  return s + ".tmp";
}

// Temp files of ours for `name` that a crash (SIGKILL, power loss) left behind: exactly
// ".<name>.regcred-<12 hex>.tmp", never anything else.
void remove_stale_temps(const Dir& dir, std::string_view name, const std::string& keep) {
  int fd = ::dup(dir.fd.get());
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return;
  }
  std::string prefix(".");
  prefix.append(name);
  prefix.append(".regcred-");
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    std::string_view n(e->d_name);
    if (!n.starts_with(prefix) || !n.ends_with(".tmp") || n == keep) continue;
    std::string_view mid = n.substr(prefix.size(), n.size() - prefix.size() - 4);
    if (mid.size() == 12 && mid.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
      stale.emplace_back(n);
    }
  }
  ::closedir(d);
  for (const auto& n : stale)
    ::unlinkat(dir.fd.get(), n.c_str(), 0);
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

Result<Dir> open_dir(const std::string& path, CreateDirs create) {
  bool absolute = !path.empty() && path[0] == '/';
  Fd cur(::open(absolute ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur) return sys_fail("open " + std::string(absolute ? "/" : "."), errno);
  std::string walked = absolute ? "" : ".";
  for (const std::string& part : components(path)) {
    struct stat st {};
    if (::fstat(cur.get(), &st) != 0) return sys_fail("stat " + walked, errno);
    std::string next = walked + "/" + part;
    int fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create == CreateDirs::yes) {
      if (::mkdirat(cur.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
        return sys_fail("create folder " + next, errno);
      }
      fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && ::geteuid() == 0 && ::fchown(fd, st.st_uid, st.st_gid) != 0) {
        int e = errno;
        ::close(fd);
        return sys_fail("chown " + next, e);
      }
    }
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
      struct stat lst {};
      if (::fstatat(cur.get(), part.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(lst.st_mode)) {
        if (!trusted_folder(st)) {
          return fail(Code::invalid_argument,
                      "open " + next + ": is a symlink in a folder that uid " +
                          std::to_string(st.st_uid) + " can write; refusing to follow it");
        }
        fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      } else {
        errno = ENOTDIR;
      }
    }
    if (fd < 0) return sys_fail("open " + next, errno);
    cur = Fd(fd);
    walked = next;
  }
  struct stat st {};
  if (::fstat(cur.get(), &st) != 0) return sys_fail("stat " + path, errno);
  Dir d;
  d.fd = std::move(cur);
  d.path = path.empty() ? "." : path;
  d.uid = st.st_uid;
  d.gid = st.st_gid;
  return d;
}

namespace {

// The rest of fd, at most max_size bytes. `expected` (the size fstat gave) sizes the buffer, so
// a regular file is one read into place rather than 64 KiB chunks appended and regrown (the
// helpers read the whole lookup index at each start).
Result<std::string> read_fd(int fd, std::size_t expected, std::size_t max_size,
                            const std::string& what) {
  std::string out;
  out.resize(std::min(expected, max_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (out.size() > max_size) {
        return fail(Code::invalid_argument,
                    what + ": larger than " + std::to_string(max_size) + " bytes");
      }
      out.resize(std::min(out.size() * 2, max_size + 1));
    }
    const ssize_t r = ::read(fd, out.data() + used, out.size() - used);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_fail(what, errno);
    }
    if (r == 0) break;
    used += static_cast<std::size_t>(r);
  }
  out.resize(used);
  return out;
}

struct Opened {
  Fd fd;
  struct stat st {};
};

// `name` in `dir` opened for reading under the rules in the header; nullopt when it does not
// exist.
Result<std::optional<Opened>> open_regular(const Dir& dir, std::string_view name,
                                           std::size_t max_size, const std::string& shown) {
  std::string n(name);
  Opened o;
  o.fd = Fd(::openat(dir.fd.get(), n.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!o.fd) {
    if (errno == ENOENT) return std::optional<Opened>{};
    if (errno == ELOOP) {
      return fail(Code::invalid_argument,
                  "read " + shown + ": is a symlink; refusing to follow it");
    }
    return sys_fail("read " + shown, errno);
  }
  if (::fstat(o.fd.get(), &o.st) != 0) return sys_fail("stat " + shown, errno);
  const struct stat& st = o.st;
  if (!S_ISREG(st.st_mode)) {
    return fail(Code::invalid_argument, "read " + shown + ": not a regular file");
  }
  if (st.st_nlink > 1) {
    return fail(Code::invalid_argument,
                "read " + shown + ": has " + std::to_string(st.st_nlink) +
                    " hard links; refusing a file that may be another file");
  }
  if (st.st_uid != dir.uid && st.st_uid != 0) {
    return fail(Code::invalid_argument, "read " + shown + ": owned by uid " +
                                            std::to_string(st.st_uid) +
                                            ", not by the folder's owner");
  }
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    return fail(Code::invalid_argument,
                "read " + shown + ": larger than " + std::to_string(max_size) + " bytes");
  }
  return std::optional<Opened>(std::move(o));
}

}  // namespace

Result<std::optional<FileContent>> read_file(const Dir& dir, std::string_view name,
                                             std::size_t max_size) {
  const std::string shown = dir.path + "/" + std::string(name);
  REGCRED_TRY_ASSIGN(auto opened, open_regular(dir, name, max_size, shown));
  if (!opened) return std::optional<FileContent>{};
  FileContent out;
  out.mode = opened->st.st_mode & 07777;
  REGCRED_TRY_ASSIGN(
      out.text, read_fd(opened->fd.get(), static_cast<std::size_t>(opened->st.st_size), max_size,
                        "read " + shown));
  return std::optional<FileContent>(std::move(out));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

Result<std::optional<MappedFile>> map_file(const Dir& dir, std::string_view name,
                                           std::size_t max_size) {
  const std::string shown = dir.path + "/" + std::string(name);
  REGCRED_TRY_ASSIGN(auto opened, open_regular(dir, name, max_size, shown));
  if (!opened) return std::optional<MappedFile>{};
  const auto size = static_cast<std::size_t>(opened->st.st_size);
  if (size == 0) return std::optional<MappedFile>(MappedFile());
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, opened->fd.get(), 0);
  if (p == MAP_FAILED) return sys_fail("map " + shown, errno);
  return std::optional<MappedFile>(MappedFile(p, size));
}

Result<void> write_file(const Dir& dir, std::string_view name, std::string_view content,
                        const WriteOptions& options) {
  std::string n(name);
  std::string shown = dir.path + "/" + n;
  std::string tmp = temp_name(name);
  Fd fd(::openat(dir.fd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 0600));
  if (!fd) return sys_fail("write " + shown + ": create temp file", errno);
  auto discard = [&](Error e) {
    ::unlinkat(dir.fd.get(), tmp.c_str(), 0);
    return fail(std::move(e).context("write " + shown));
  };
  if (auto r = full_write(fd.get(), content); !r) return discard(r.error());
  if (::fchmod(fd.get(), options.mode) != 0)
    return discard(Error{Code::io_error, "chmod: " + errno_text(errno)});
  if (options.owner_from_dir && ::geteuid() == 0 && ::fchown(fd.get(), dir.uid, dir.gid) != 0) {
    return discard(Error{Code::io_error, "chown: " + errno_text(errno)});
  }
  if (::fsync(fd.get()) != 0) return discard(Error{Code::io_error, "fsync: " + errno_text(errno)});
  if (::close(fd.release()) != 0) {
    return discard(Error{Code::io_error, "close: " + errno_text(errno)});
  }
  if (::renameat(dir.fd.get(), tmp.c_str(), dir.fd.get(), n.c_str()) != 0) {
    return discard(Error{Code::io_error, "rename: " + errno_text(errno)});
  }
  if (::fsync(dir.fd.get()) != 0) return sys_fail("write " + shown + ": fsync folder", errno);
  remove_stale_temps(dir, name, tmp);
  return ok();
}

Result<std::string> read_whole_file(const std::string& path, std::size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_fail("read " + path, errno);
  struct stat st {};
  const std::size_t expected =
      ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
  return read_fd(fd.get(), expected, max_size, "read " + path);
}

namespace {

// A regular file read whole, opened without blocking (a FIFO); `open_flags` adds O_NOFOLLOW
// where the last component must not be a link.
Result<std::string> read_regular(const std::string& path, std::size_t max_size, int open_flags,
                                 bool refuse_world_writable) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | open_flags));
  if (!fd) return sys_fail("read " + path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_fail("read " + path, errno);
  if (!S_ISREG(st.st_mode))
    return fail(Code::invalid_argument, "read " + path + ": not a regular file");
  if (refuse_world_writable && (st.st_mode & S_IWOTH) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(Code::invalid_argument, "read " + path + ": writable by every user (mode " + mode +
                                            "); refusing an identity anyone could swap");
  }
  return read_fd(fd.get(), static_cast<std::size_t>(st.st_size), max_size, "read " + path);
}

}  // namespace

Result<std::string> read_identity_file(const std::string& path, std::size_t max_size) {
  return read_regular(path, max_size, 0, true);
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_size) {
  return read_regular(path, max_size, O_NOFOLLOW, false);
}

}  // namespace regcred::io
