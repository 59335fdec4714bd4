// metrics.hpp: GET /metrics, the Prometheus text exposition of the daemon's view.
#pragma once

#include <string>

#include "daemon/handlers/view.hpp"

namespace regcred::daemon {

std::string metrics_text(const DaemonView& v);

}  // namespace regcred::daemon
