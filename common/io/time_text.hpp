// time_text.hpp: wall-clock times as the Kubernetes API and the status socket write them.
#pragma once

#include <chrono>
#include <string>

namespace regcred::io {

// RFC 3339 in UTC with seconds: "2026-01-02T03:04:05Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace regcred::io
