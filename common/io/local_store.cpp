#include "common/io/local_store.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include "common/io/safe_file.hpp"

namespace regcred::io {
namespace {

constexpr std::size_t k_max_local_size = 16U << 20U;

Result<core::DockerConfig> load_from(const Dir& dir) {
  REGCRED_TRY_ASSIGN(auto content, read_file(dir, k_local_file, k_max_local_size));
  if (!content) return core::DockerConfig::parse("{}");
  auto cfg = core::DockerConfig::parse(content->text);
  if (!cfg) {
    return fail(Code::parse_error,
                "read " + dir.path + "/" + std::string(k_local_file) + ": " + cfg.error().message);
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
    REGCRED_TRY(write_file(dir, k_local_file, cfg.serialize(), WriteOptions{0600, false}));
  return cfg;
}

}  // namespace regcred::io
