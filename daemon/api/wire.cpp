#include "daemon/api/wire.hpp"

#include <boost/asio/buffer.hpp>
#include <sstream>

namespace regcred::api {
namespace wire {

void limit(Parser& p) {
  p.body_limit(k_body_limit);
  p.header_limit(k_header_limit);
}

bool too_large(const boost::beast::error_code& ec) {
  return ec == http::error::body_limit || ec == http::error::header_limit;
}

HttpResponse too_large_response() {
  HttpResponse res{http::status::payload_too_large, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = "{\"error\":\"request too large\"}\n";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

HttpResponse answer(const http::request<http::string_body>& req, bool privileged, bool root,
                    const Handler& handler) {
  Request r{std::string(req.method_string()), std::string(req.target()), req.body(), privileged,
            root};
  Response out = handler(r);
  HttpResponse res{static_cast<http::status>(out.status), req.version()};
  res.set(http::field::server, "regcredd");
  res.set(http::field::content_type, out.content_type);
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) res.body() = std::move(out.body);
  res.prepare_payload();
  return res;
}

}  // namespace wire

std::string serve_bytes(std::string_view bytes, const Handler& handler, bool privileged) {
  std::string out;
  while (!bytes.empty()) {
    wire::Parser parser;
    wire::limit(parser);
    parser.eager(true);
    boost::beast::error_code ec;
    for (;;) {
      const std::size_t n = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(n);
      if (ec != wire::http::error::need_more || n == 0 || parser.is_done()) break;
      ec = {};
    }
    if (ec == wire::http::error::need_more) parser.put_eof(ec);
    std::ostringstream text;
    if (wire::too_large(ec)) {
      text << wire::too_large_response();
      return out + text.str();
    }
    if (ec || !parser.is_done()) return out;
    auto res = wire::answer(parser.release(), privileged, privileged, handler);
    text << res;
    out += text.str();
    if (!res.keep_alive()) return out;
  }
  return out;
}

}  // namespace regcred::api
