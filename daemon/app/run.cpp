// regcredd's main() as a function (daemon.hpp): the configuration, --check-config, then the
// daemon, or, started by its socket with a configuration that cannot run, the unconfigured
// answer.
#include <sys/stat.h>

#include <iostream>

#include "daemon/app/daemon.hpp"
#include "daemon/app/unconfigured.hpp"
#include "daemon/kube/connection.hpp"

namespace regcred::daemon {
namespace {

// --check-config: what validate() cannot see from the flags alone.
Result<void> check_sources(const Config& cfg) {
  if (!cfg.secrets_dir.empty()) {
    struct stat st {};
    if (::stat(cfg.secrets_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail(Code::invalid_argument, "--secrets-dir " + cfg.secrets_dir + ": not a folder");
    }
  }
  return kube::check_connection(cfg);
}

int usage_error(const std::string& why) {
  std::cerr << "regcredd: " << why << "\n";
  return 2;
}

// A configuration that cannot run: exit 2, or, when systemd started regcredd for its socket,
// stay up and say so there (unconfigured.hpp).
int refuse(const std::string& why, const std::string& config_file,
           const std::vector<std::string>& args) {
  if (!systemd_socket_passed()) return usage_error(why);
  std::cerr << "regcredd: " << why << "\n";
  SdNotifier notifier;
  return run_unconfigured(why, config_file, args, systemd_listen_fd(), notifier);
}

}  // namespace

int run(const std::vector<std::string>& args) {
  auto parsed = load_config(args);
  if (!parsed) return refuse(parsed.error().message, config_file_of(args), args);
  if (parsed->exit_now) {
    std::cout << parsed->output;
    return parsed->exit_code;
  }
  Config cfg = std::move(parsed->config);
  if (auto v = validate(cfg); !v) {
    // Asked to check or to sync once: the answer is the exit code, never a daemon.
    if (cfg.check_config || cfg.once) return usage_error(v.error().message);
    return refuse(v.error().message, cfg.config_file, args);
  }
  if (cfg.check_config) {
    if (auto k = check_sources(cfg); !k) return usage_error(k.error().message);
    std::cout << "regcredd: configuration OK\n";
    return 0;
  }
  SdNotifier notifier;
  return run_daemon(std::move(cfg), args, notifier);
}

}  // namespace regcred::daemon
