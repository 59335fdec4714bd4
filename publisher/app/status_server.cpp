#include "publisher/app/status_server.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/io/log.hpp"

namespace regcred::publisher {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct StatusServer::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  StatusPages pages;
  std::thread thread;
  std::atomic<bool> stopping{false};

  void serve(tcp::socket sock) {
    beast::error_code ec;
    beast::flat_buffer buf;
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(8 * 1024);
    bhttp::read(sock, buf, parser, ec);
    if (ec) return;
    const auto& req = parser.get();
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.keep_alive(false);
    const std::string target(req.target());
    if (req.method() != bhttp::verb::get) {
      res.result(bhttp::status::method_not_allowed);
      res.body() = "only GET\n";
    } else if (target == "/healthz") {
      const bool ok = pages.healthy();
      res.result(ok ? bhttp::status::ok : bhttp::status::service_unavailable);
      res.body() = ok ? "ok\n" : "stopping\n";
    } else if (target == "/metrics") {
      res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
      res.body() = pages.metrics();
    } else if (target == "/v1/status") {
      res.set(bhttp::field::content_type, "application/json");
      res.body() = pages.status() + "\n";
    } else {
      res.result(bhttp::status::not_found);
      res.body() = "not found\n";
    }
    res.prepare_payload();
    bhttp::write(sock, res, ec);
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }

  void run() {
    while (!stopping) {
      beast::error_code ec;
      tcp::socket sock(ioc);
      acceptor.accept(sock, ec);
      if (stopping) return;
      if (ec) continue;
      // A slow client cannot hold the endpoint: five seconds for the whole exchange.
      struct timeval tv {
        5, 0
      };
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      serve(std::move(sock));
    }
  }
};

StatusServer::StatusServer() : impl_(std::make_unique<Impl>()) {}
StatusServer::~StatusServer() {
  stop();
}

Result<std::unique_ptr<StatusServer>> StatusServer::start(const std::string& listen,
                                                          StatusPages pages) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return fail(Code::invalid_argument, "--listen " + listen + ": not ADDRESS:PORT");
  beast::error_code ec;
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    port = 65536;
  }
  if (ec || port > 65535)
    return fail(Code::invalid_argument, "--listen " + listen + ": not ADDRESS:PORT");
  std::unique_ptr<StatusServer> s(new StatusServer());
  auto& a = s->impl_->acceptor;
  const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(16, ec);
  if (ec) return fail(Code::unavailable, "--listen " + listen + ": " + ec.message());
  s->impl_->pages = std::move(pages);
  s->impl_->thread = std::thread([impl = s->impl_.get()] { impl->run(); });
  return s;
}

unsigned short StatusServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void StatusServer::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  beast::error_code ec;
  impl_->acceptor.cancel(ec);
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptor.close(ec);
}

}  // namespace regcred::publisher
