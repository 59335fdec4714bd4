#include "common/io/status_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sys/time.h>
#include <cerrno>
#include <cstring>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace regcred::io {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using local = asio::local::stream_protocol;

Result<HttpReply> status_request(const std::string& socket, std::string_view method,
                                 std::string_view target, std::string_view body,
                                 std::chrono::milliseconds timeout) {
  // Connect with plain calls first: with the daemon down (the helpers' fallback, timed against
  // `cat`) no event loop is set up only to find nothing listening.
  sockaddr_un addr{};
  if (socket.size() >= sizeof addr.sun_path) {
    return fail(Code::io_error, "connect " + socket + ": the path is too long for a socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket.data(), socket.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Code::io_error, "socket: " + std::string(std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    const bool absent = e == ENOENT || e == ECONNREFUSED;
    return fail(absent ? Code::unavailable : Code::io_error,
                "connect " + socket + ": " + std::strerror(e));
  }
  asio::io_context io;
  local::socket s(io, local(), fd);
  boost::system::error_code ec;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  http::request<http::string_body> req;
  req.method_string(std::string(method));
  req.target(std::string(target));
  req.version(11);
  req.set(http::field::host, "regcredd");
  req.set(http::field::connection, "close");
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  http::write(s, req, ec);
  if (ec) return fail(Code::io_error, "send to " + socket + ": " + ec.message());
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64U << 20U);
  http::read(s, buf, parser, ec);
  if (ec) return fail(Code::io_error, "read from " + socket + ": " + ec.message());
  HttpReply r;
  r.status = parser.get().result_int();
  r.body = std::move(parser.get().body());
  return r;
}

}  // namespace regcred::io
