#include "common/io/status_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/io/unix_connect.hpp"

namespace regcred::io {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using local = asio::local::stream_protocol;

Result<HttpReply> status_request(const std::string& socket, std::string_view method,
                                 std::string_view target, std::string_view body,
                                 std::chrono::milliseconds timeout) {
  // Connect with plain calls first: with the daemon down (the helpers' fallback, timed against
  // `cat`) no event loop is set up only to find nothing listening.
  REGCRED_TRY_ASSIGN(const int fd, connect_unix(socket));
  asio::io_context io;
  local::socket s(io, local(), fd);

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
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64U << 20U);
  // The whole exchange within the deadline: a daemon that accepted and then hangs (stopped,
  // flooded) must not hold the caller. Asio's blocking reads wait past SO_RCVTIMEO, hence
  // asynchronous operations run for at most `timeout`.
  boost::system::error_code ec = asio::error::timed_out;
  const char* step = "send to ";
  http::async_write(s, req, [&](boost::system::error_code wec, std::size_t) {
    if (wec) {
      ec = wec;
      return;
    }
    step = "read from ";
    http::async_read(s, buf, parser, [&](boost::system::error_code rec, std::size_t) { ec = rec; });
  });
  io.run_for(timeout);
  if (!io.stopped()) {  // the deadline passed first: end the operations, let them finish
    boost::system::error_code ignored;
    s.close(ignored);
    io.restart();
    io.run();
    ec = asio::error::timed_out;
  }
  if (ec) return fail(Code::io_error, step + socket + ": " + ec.message());
  HttpReply r;
  r.status = parser.get().result_int();
  r.body = std::move(parser.get().body());
  return r;
}

}  // namespace regcred::io
