#include "daemon/kube/connection.hpp"

#include <cstdlib>
#include <string>

namespace regcred::kube {
namespace {

constexpr std::string_view k_sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

}  // namespace

Result<Connection> connection_for(const daemon::Config& cfg) {
  if (cfg.in_cluster) {
    const char* dir = std::getenv("REGCRED_SERVICEACCOUNT_DIR");  // tests only
    return load_in_cluster(dir != nullptr ? dir : std::string(k_sa_dir));
  }
  return load_kubeconfig(cfg.kubeconfig);
}

Result<void> check_connection(const daemon::Config& cfg) {
  if (!cfg.has_kube_source()) return ok();
  REGCRED_TRY_ASSIGN(auto conn, connection_for(cfg));
  (void)conn;
  return ok();
}

}  // namespace regcred::kube
