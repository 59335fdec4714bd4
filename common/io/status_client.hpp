// status_client.hpp: one HTTP/1.1 request to regcredd's status socket, for the helpers and
// regcredctl. Blocking, with a deadline; Beast stays inside the .cpp.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::io {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// Code::unavailable when nothing listens on `socket` (no file, connection refused): the
// caller's cue to fall back to the state folder. Other failures are Code::io_error.
Result<HttpReply> status_request(const std::string& socket, std::string_view method,
                                 std::string_view target, std::string_view body,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace regcred::io
