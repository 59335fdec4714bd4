// kube_source.hpp: the Kubernetes source: one Reflector thread per stream. In direct mode streams
// are the two pull-secret types (`type=` field selectors: the API server has no OR) times the
// namespaces (all, or each --namespace on its own path, for a Role-only identity); in published
// mode one: the publish namespace's kubernetes.io/dockerconfigjson secrets. Reflector threads post
// every change to the daemon's event loop.
#pragma once

#include <memory>

#include "common/core/result.hpp"
#include "daemon/config/config.hpp"
#include "daemon/sources/source.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

Result<std::unique_ptr<Source>> make_kube_source(boost::asio::io_context& io, SourceEvents& events,
                                                 const Config& cfg);

}  // namespace regcred::daemon
