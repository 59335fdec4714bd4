#include "daemon/kube/connection.hpp"

#include <cstdlib>
#include <string>

namespace regcred::kube {

Result<Connection> connection_for(const daemon::Config& cfg) {
  return load_connection(cfg.in_cluster, cfg.kubeconfig);
}

Result<void> check_connection(const daemon::Config& cfg) {
  if (!cfg.has_kube_source()) return ok();
  REGCRED_TRY_ASSIGN(auto conn, connection_for(cfg));
  (void)conn;
  return ok();
}

}  // namespace regcred::kube
