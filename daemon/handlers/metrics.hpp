// metrics.hpp: GET /metrics, the Prometheus text exposition of the daemon's view.
#pragma once

#include <string>

#include "daemon/handlers/view.hpp"

namespace regcred::daemon {

// The series labelled with a file's path or an image only for root and the socket's group;
// everyone gets the counts (regcred_sinks_failed instead of each file's regcred_sink_ok).
std::string metrics_text(const DaemonView& v, bool privileged);

}  // namespace regcred::daemon
