// server.hpp: HTTP/1.1 on a Unix socket (Boost.Beast), one coroutine per connection on the
// daemon's event loop. A timeout before each read, a 64 KiB body limit, at most 64 connections
// (16 of them kept for root and the socket's group, 8 for any one user but root).
// The peer's credentials (SO_PEERCRED) decide Request::privileged. Beast stays inside
// server.cpp.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"
#include "daemon/api/router.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::api {

using Handler = std::function<Response(const Request&)>;

// What a session answers to `bytes` arriving on one connection and then its end: the same
// parser, limits and answers as a socket session, without a socket. For the fuzz target
// (tests/fuzz status_http) and tests; the answers as they would go on the wire.
std::string serve_bytes(std::string_view bytes, const Handler& handler, bool privileged);

class StatusServer {
 public:
  StatusServer(boost::asio::io_context& io, Handler handler, std::optional<gid_t> group);
  ~StatusServer();
  // Binds `path` (the folder is made if missing; a stale socket is replaced, anything else at
  // the path is an error), mode 0666: every local user may ask, only some get credentials.
  Result<void> listen(const std::string& path);
  // Takes a listening socket from systemd (LISTEN_FDS).
  Result<void> adopt(int fd);
  void stop();
  std::size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace regcred::api
