#include "common/io/status_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

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
  asio::io_context io;
  local::socket s(io);
  boost::system::error_code ec;
  s.connect(local::endpoint(socket), ec);
  if (ec) {
    const bool absent = ec == asio::error::not_found || ec == asio::error::connection_refused ||
                        ec.value() == ENOENT || ec.value() == ECONNREFUSED;
    return fail(absent ? Code::unavailable : Code::io_error,
                "connect " + socket + ": " + ec.message());
  }
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
