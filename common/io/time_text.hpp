// time_text.hpp: wall-clock times as the Kubernetes API and the status socket write and read
// them (RFC 3339).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace regcred::io {

// RFC 3339 in UTC with seconds: "2026-01-02T03:04:05Z".
std::string rfc3339(std::chrono::system_clock::time_point t);
// The API server's MicroTime (a Lease's renewTime): "2026-01-02T03:04:05.123456Z".
std::string rfc3339_micro(std::chrono::system_clock::time_point t);

// RFC 3339 as Go's time.RFC3339 parses it: "2026-01-02T03:04:05Z", with a fraction of a second
// ("...05.123456789Z") and a numeric offset ("...05+02:00") too. nullopt when it is not one.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace regcred::io
