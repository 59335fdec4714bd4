// go/duration.hpp: Go's durations ("1h30m", "1.5s", "300ms"), parsed and printed as Go's time
// package does: kubelet's cacheDuration, and every duration in regcredd's configuration. Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::core {

// time.ParseDuration, with its error texts ("time: invalid duration \"x\"").
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view s);
// time.Duration.String: "1m0s", "1.5s", "0s".
std::string format_go_duration(std::chrono::nanoseconds d);

}  // namespace regcred::core
