#include "publisher/app/run.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "common/io/log.hpp"
#include "common/kube/kubeconfig.hpp"
#include "publisher/app/controller.hpp"
#include "publisher/app/status_server.hpp"

namespace regcred::publisher {
int run(const std::vector<std::string>& args) {
  auto parsed = parse_args(args);
  if (!parsed) {
    std::cerr << "regcred-publisher: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->exit) {
    std::cout << parsed->output;
    return parsed->code;
  }
  const Config cfg = parsed->config;
  io::Log::set_level(cfg.log_level);
  auto conn = kube::load_connection(cfg.in_cluster, cfg.kubeconfig);
  if (!conn) {
    std::cerr << "regcred-publisher: " << conn.error().message << "\n";
    return 2;
  }
  if (cfg.check_config) {
    std::cout << "configuration ok\n";
    return 0;
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  Controller controller(cfg, std::move(*conn));
  std::unique_ptr<StatusServer> server;
  if (!cfg.listen.empty()) {
    auto s = StatusServer::start(
        cfg.listen, {[&] { return controller.healthy(); }, [&] { return controller.metrics(); },
                     [&] { return controller.status().dump(); }});
    if (!s) {
      std::cerr << "regcred-publisher: " << s.error().message << "\n";
      return 1;
    }
    server = std::move(*s);
  }
  io::log_info("starting", {{"identity", cfg.identity},
                            {"publishNamespace", cfg.publish_namespace},
                            {"policy", cfg.policy},
                            {"lease", cfg.lease_name}});
  controller.start();
  int sig = 0;
  sigwait(&set, &sig);
  io::log_info("stopping", {{"signal", std::to_string(sig)}});
  if (server) server->stop();
  controller.stop();
  return 0;
}

}  // namespace regcred::publisher
