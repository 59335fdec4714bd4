// regcredd's main() as a function (daemon.hpp): the configuration, --check-config, then the
// daemon.
#include <sys/stat.h>

#include <iostream>

#include "daemon/app/daemon.hpp"
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

}  // namespace

int run(const std::vector<std::string>& args) {
  auto parsed = load_config(args);
  if (!parsed) {
    std::cerr << "regcredd: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->exit_now) {
    std::cout << parsed->output;
    return parsed->exit_code;
  }
  Config cfg = std::move(parsed->config);
  if (auto v = validate(cfg); !v) {
    std::cerr << "regcredd: " << v.error().message << "\n";
    return 2;
  }
  if (cfg.check_config) {
    if (auto k = check_sources(cfg); !k) {
      std::cerr << "regcredd: " << k.error().message << "\n";
      return 2;
    }
    std::cout << "regcredd: configuration OK\n";
    return 0;
  }
  SdNotifier notifier;
  return run_daemon(std::move(cfg), args, notifier);
}

}  // namespace regcred::daemon
