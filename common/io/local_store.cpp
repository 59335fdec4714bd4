#include "common/io/local_store.hpp"
#include "common/io/state_folder.hpp"

#include "common/core/answer.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include "common/io/safe_file.hpp"

namespace regcred::io {
namespace {

constexpr std::size_t k_max_local_size = 16U << 20U;

Result<core::DockerConfig> load_from(const Dir& dir) {
  REGCRED_TRY_ASSIGN(auto content, read_file(dir, state_folder::k_local, k_max_local_size));
  if (!content) return core::DockerConfig::parse("{}");
  auto cfg = core::DockerConfig::parse(content->text);
  if (!cfg) {
    return fail(Code::parse_error, "read " + dir.path + "/" + std::string(state_folder::k_local) +
                                       ": " + cfg.error().message);
  }
  return cfg;
}

}  // namespace

Result<core::DockerConfig> load_local(const std::string& state_dir) {
  REGCRED_TRY_ASSIGN(Dir dir, open_dir(state_dir, CreateDirs::no));
  return load_from(dir);
}

Result<core::DockerConfig> edit_local(
    const std::string& state_dir, const std::function<Result<bool>(core::DockerConfig&)>& edit) {
  REGCRED_TRY_ASSIGN(Dir dir, open_dir(state_dir, CreateDirs::yes));
  Fd lock(::openat(dir.fd.get(), "local.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock) {
    return fail(Code::io_error, "open " + state_dir + "/local.lock: " + std::strerror(errno));
  }
  if (::flock(lock.get(), LOCK_EX) != 0) {
    return fail(Code::io_error, "lock " + state_dir + "/local.lock: " + std::strerror(errno));
  }
  REGCRED_TRY_ASSIGN(core::DockerConfig cfg, load_from(dir));
  REGCRED_TRY_ASSIGN(bool changed, edit(cfg));
  if (changed)
    REGCRED_TRY(write_file(dir, state_folder::k_local, cfg.serialize(), WriteOptions{0600, false}));
  return cfg;
}

Result<core::DockerConfig> store_local_credential(const std::string& state_dir,
                                                  const core::helper::Credentials& c) {
  return edit_local(state_dir, [&](core::DockerConfig& local) -> Result<bool> {
    REGCRED_TRY(core::store_local(local, c));
    return true;
  });
}

Result<std::optional<core::DockerConfig>> erase_local_credential(const std::string& state_dir,
                                                                 std::string_view server) {
  bool erased = false;
  REGCRED_TRY_ASSIGN(auto local, edit_local(state_dir, [&](core::DockerConfig& l) -> Result<bool> {
                       erased = core::erase_local(l, server);
                       return erased;
                     }));
  if (!erased) return std::optional<core::DockerConfig>();
  return std::optional<core::DockerConfig>(std::move(local));
}

}  // namespace regcred::io
