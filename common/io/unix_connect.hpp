// unix_connect.hpp: connecting to a Unix stream socket by its path, never blocking: a listener
// whose backlog is full (a flooded or hung server) fails at once (EAGAIN) instead of holding
// the caller in connect(). The helpers' status requests and regcredd's pull worker connection.
#pragma once

#include <string>

#include "common/core/result.hpp"

namespace regcred::io {

// A connected, close-on-exec, non-blocking descriptor the caller owns. Code::unavailable when
// nothing listens there (no file, connection refused); other failures Code::io_error. Errors
// read "connect PATH: why".
Result<int> connect_unix(const std::string& path);

}  // namespace regcred::io
