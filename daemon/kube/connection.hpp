// connection.hpp: the daemon's identity in the cluster, from its configuration: a kubeconfig, or
// the pod's service account (--in-cluster). The source and the node reporter both use it.
#pragma once

#include "common/core/result.hpp"
#include "common/kube/kubeconfig.hpp"
#include "daemon/config/config.hpp"

namespace regcred::kube {

Result<Connection> connection_for(const daemon::Config& cfg);

// --check-config: the kubeconfig (or the in-cluster environment) loads; ok without a
// Kubernetes source.
Result<void> check_connection(const daemon::Config& cfg);

}  // namespace regcred::kube
