// The API client on Boost.Beast and OpenSSL, which regcredd links anyway (the status socket;
// certificate fingerprints), rather than libcurl and the libraries only it brings, for the few
// of its features used here.
// Each Client runs its own io_context on the calling thread, one operation at a time; cancel()
// posts to it from any thread.
#include "common/kube/http.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>
#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/core/ascii.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/url.hpp"
#include "common/core/watch_event.hpp"
#include "common/io/log.hpp"
#include "common/io/openssl_init.hpp"

namespace regcred::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A whole response (a list page): far below what regcredd's unit may use (MemoryMax=512M),
// since a body is held while it is parsed.
constexpr std::size_t k_max_body = 64U << 20U;
// What an answer past k_max_body is told as.
std::string too_large_text() {
  return "the answer is larger than " + std::to_string(k_max_body >> 20U) +
         " MiB (narrow the namespaces or the label selector)";
}
constexpr auto k_connect_timeout = std::chrono::seconds(10);  // TCP, proxy, TLS; a watch's headers
constexpr auto k_get_timeout = std::chrono::seconds(120);     // a whole list page or a POST
constexpr std::size_t k_read_room = 64 * 1024;                // socket reads of the body

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Where a request goes: the server (scheme, address, certificate name, path prefix) and, from
// the environment as kubectl and libcurl read it, the proxy in between.
struct Route {
  bool tls = true;
  std::string host;  // to connect to (no brackets)
  std::string port;
  std::string authority;    // the Host header: host[:port] as the server URL writes it
  std::string verify_name;  // the certificate must be for this (tls-server-name, else host)
  std::string prefix;       // the server URL's path ("/k8s/clusters/c-1"), no trailing slash
  std::string proxy_host;   // empty: direct
  std::string proxy_port;
  Secret proxy_auth;  // "user:password" from the proxy URL, for Proxy-Authorization
};

// NO_PROXY / no_proxy: "*", or names and addresses, comma-separated; a name matches itself
// and its subdomains (".example.com" and "example.com" alike), an entry with a port only that
// port.
bool no_proxy_matches(const std::string& list, const std::string& host, const std::string& port) {
  std::size_t pos = 0;
  const std::string h = core::ascii_lower(host);
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    const std::string entry =
        core::ascii_lower(core::go_trim_space(std::string_view(list).substr(pos, comma - pos)));
    pos = comma + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    auto [name, entry_port] = core::split_host_port(entry);
    if (!entry_port.empty() && entry_port != port) continue;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']')
      name = name.substr(1, name.size() - 2);
    if (name.starts_with('.')) name.erase(0, 1);
    if (h == name) return true;
    if (h.size() > name.size() && h.ends_with(name) && h[h.size() - name.size() - 1] == '.')
      return true;
  }
  return false;
}

Result<Route> route_for(const Connection& c) {
  auto u = core::parse_url(c.server);
  if (!u || u->hostname.empty() || (u->scheme != "https" && u->scheme != "http"))
    return fail(Code::invalid_argument, "server " + c.server + ": not an http(s) URL");
  Route r;
  r.tls = u->scheme == "https";
  r.host = u->hostname;
  r.port = !u->port.empty() ? u->port : (r.tls ? "443" : "80");
  r.authority = u->host;
  r.verify_name = c.tls_server_name.empty() ? u->hostname : c.tls_server_name;
  r.prefix = u->path;
  while (r.prefix.ends_with('/'))
    r.prefix.pop_back();
  // libcurl's and Go's names: https_proxy for an https server; http_proxy (lower case only in
  // libcurl, both in Go) for a plain one.
  std::string proxy = r.tls ? env("https_proxy") : env("http_proxy");
  if (proxy.empty()) proxy = r.tls ? env("HTTPS_PROXY") : env("HTTP_PROXY");
  std::string no_proxy = env("no_proxy");
  if (no_proxy.empty()) no_proxy = env("NO_PROXY");
  if (proxy.empty() || no_proxy_matches(no_proxy, r.host, r.port)) return r;
  if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
  auto p = core::parse_url(proxy);
  if (!p || p->scheme != "http" || p->hostname.empty())
    return fail(Code::invalid_argument, "proxy from the environment: not an http:// proxy URL");
  r.proxy_host = p->hostname;
  r.proxy_port = p->port.empty() ? "80" : p->port;
  if (!p->user.empty() || !p->password.empty())
    r.proxy_auth = Secret(p->user + ":" + p->password.reveal());
  return r;
}

// A gzip body (Content-Encoding: gzip, which the API server sends for a large list).
Result<std::string> gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return fail(Code::internal, "inflateInit2");
  std::string out;
  std::array<char, 64 * 1024> chunk{};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (out.size() > k_max_body || (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0)) break;
  }
  inflateEnd(&z);
  if (out.size() > k_max_body) {
    return fail(Code::unavailable, too_large_text() + ", once inflated");
  }
  if (rc != Z_STREAM_END) return fail(Code::unavailable, "the gzip body is cut or corrupt");
  return out;
}

void wipe_authorization(bhttp::fields& f) {
  for (auto field : {bhttp::field::authorization, bhttp::field::proxy_authorization}) {
    auto it = f.find(field);
    if (it == f.end()) continue;
    auto v = it->value();
    std::memset(const_cast<char*>(v.data()), 0, v.size());
  }
}

// A watch's reader (Client::stream): each line, and a call once the lines read so far are all
// handed over.
struct LineReader {
  const std::function<bool(std::string_view)>& on_line;
  const std::function<void()>& caught_up;
};

}  // namespace

struct Client::Impl {
  explicit Impl(CredentialSource& c) : creds(c) { io::init_openssl(); }

  CredentialSource& creds;
  asio::io_context ioc{1};
  std::atomic<bool> cancelled{false};
  bool warned_insecure = false;
  std::chrono::seconds request_timeout = k_get_timeout;
  std::string user_agent = "regcredd/" REGCRED_VERSION;
  std::string accept = "application/json";
  // TLS settings: built once, again when an exec plugin presents another client certificate
  // or a CA or certificate file changes on disk (a rotated service account CA, a renewed
  // client certificate), as libcurl read them for each connection.
  std::optional<ssl::context> ctx;
  std::string ctx_stamp;
  // The connection, kept alive between requests (a paged list is many): TLS, or plain TCP
  // (no SSL object at all for an http:// server).
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buf;

  // Runs one asynchronous operation to its end on this thread.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  bool connected() const { return tls != nullptr || plain != nullptr; }
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // `op` with the stream the requests go on.
  template <class Op>
  error_code on_stream(Op&& op) {
    if (tls) return op(*tls);
    return op(*plain);
  }

  // Ends the operation in progress (it completes with an error); the connection object stays
  // for its owner to drop. Posted by cancel().
  void abort_io() {
    if (!connected()) return;
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  void close() {
    abort_io();
    tls.reset();
    plain.reset();
    buf.clear();
  }

  Result<void> make_context(const Connection& c, const Presented& cred) {
    const std::string& cert = cred.cert_pem;
    std::string stamp = cert;
    for (const std::string* f : {&c.ca_file, &c.client_cert_file, &c.client_key_file}) {
      struct stat st {};
      stamp += f->empty() || ::stat(f->c_str(), &st) != 0
                   ? std::string("\n-")
                   : "\n" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                         std::to_string(st.st_mtim.tv_sec) + "." +
                         std::to_string(st.st_mtim.tv_nsec);
    }
    if (ctx && ctx_stamp == stamp) return {};
    ssl::context x(ssl::context::tls_client);
    error_code ec;
    x.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!c.insecure_skip_tls_verify) {
      x.set_verify_mode(ssl::verify_peer);
      // A kubeconfig (or the service account) that names the cluster's CA trusts that CA alone,
      // as kubectl does; the system's CAs only when it names none.
      if (!c.ca_data.empty()) {
        x.add_certificate_authority(asio::buffer(c.ca_data), ec);
        if (ec)
          return fail(Code::invalid_argument,
                      c.origin + ": certificate-authority-data: " + ec.message());
      } else if (!c.ca_file.empty()) {
        x.load_verify_file(c.ca_file, ec);
        if (ec) return fail(Code::invalid_argument, "read CA " + c.ca_file + ": " + ec.message());
      } else {
        x.set_default_verify_paths(ec);
      }
    } else {
      x.set_verify_mode(ssl::verify_none);
    }
    if (!cert.empty()) {
      x.use_certificate_chain(asio::buffer(cert), ec);
      if (!ec) {
        const std::string& key = cred.key_pem.reveal();
        x.use_private_key(asio::buffer(key), ssl::context::pem, ec);
      }
      if (ec)
        return fail(Code::invalid_argument, c.origin + ": client certificate: " + ec.message());
    } else if (!c.client_cert_file.empty()) {
      x.use_certificate_chain_file(c.client_cert_file, ec);
      if (ec)
        return fail(Code::invalid_argument, "read " + c.client_cert_file + ": " + ec.message());
      const std::string& key_file =
          c.client_key_file.empty() ? c.client_cert_file : c.client_key_file;
      x.use_private_key_file(key_file, ssl::context::pem, ec);
      if (ec) return fail(Code::invalid_argument, "read " + key_file + ": " + ec.message());
    }
    ctx.emplace(std::move(x));
    ctx_stamp = std::move(stamp);
    close();  // a connection made with the old certificate
    return {};
  }

  // A new connection: DNS, TCP, the proxy's tunnel, TLS; all within k_connect_timeout.
  Result<void> connect(const Connection& c, const Route& r) {
    close();
    if (r.tls) {
      tls = std::make_unique<TlsStream>(ioc, *ctx);
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    const bool proxied = !r.proxy_host.empty();
    const std::string& host = proxied ? r.proxy_host : r.host;
    const std::string& port = proxied ? r.proxy_port : r.port;
    // getaddrinfo on this thread: Asio's asynchronous resolver would keep a thread of its own.
    error_code ec;
    tcp::resolver resolver(ioc);
    auto addresses = resolver.resolve(host, port, ec);
    if (ec) return fail(Code::unavailable, "resolve " + host + ": " + ec.message());
    tcp().expires_after(k_connect_timeout);
    ec = run([&](auto h) { tcp().async_connect(addresses, std::move(h)); });
    if (ec) return fail(Code::unavailable, "connect to " + host + " port " + port + ": " + why(ec));
    tcp().socket().set_option(tcp::no_delay(true), ec);  // as Go's client and libcurl do
    if (proxied && r.tls) {  // a tunnel; a plain request goes to the proxy as it is
      const std::string target = r.host.find(':') != std::string::npos
                                     ? "[" + r.host + "]:" + r.port
                                     : r.host + ":" + r.port;
      bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, target, 11};
      req.set(bhttp::field::host, target);
      if (!r.proxy_auth.empty())
        req.set(bhttp::field::proxy_authorization,
                "Basic " + core::base64_encode(r.proxy_auth.reveal()));
      ec = run([&](auto h) { bhttp::async_write(tcp(), req, std::move(h)); });
      wipe_authorization(req);
      bhttp::response_parser<bhttp::empty_body> p;
      p.skip(true);  // a CONNECT's 200 has no body, whatever its headers say
      if (!ec) ec = run([&](auto h) { bhttp::async_read_header(tcp(), buf, p, std::move(h)); });
      if (ec) return fail(Code::unavailable, "proxy " + host + ": " + why(ec));
      if (p.get().result_int() != 200) {
        return fail(Code::unavailable, "proxy " + host + " refused the tunnel to " + target + ": " +
                                           std::to_string(p.get().result_int()));
      }
    }
    if (!r.tls) return {};
    SSL* s = tls->native_handle();
    error_code addr_ec;
    asio::ip::make_address(r.verify_name, addr_ec);
    // SNI for a name, not an address (SSL_set_tlsext_host_name, a macro with a C cast).
    if (addr_ec && SSL_ctrl(s, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                            const_cast<char*>(r.verify_name.c_str())) != 1)
      return fail(Code::internal, "TLS: cannot set the server name");
    // The name (or address) the certificate must be for, checked by OpenSSL's verifier itself,
    // so a mismatch reads "Hostname mismatch" in the verify result.
    if (!c.insecure_skip_tls_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(s);
      const int set = addr_ec ? X509_VERIFY_PARAM_set1_host(param, r.verify_name.c_str(), 0)
                              : X509_VERIFY_PARAM_set1_ip_asc(param, r.verify_name.c_str());
      if (set != 1) return fail(Code::internal, "TLS: cannot set the name to verify");
    }
    ec = run([&](auto h) { tls->async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec) {
      std::string reason = why(ec);
      const long v = SSL_get_verify_result(s);
      if (v != X509_V_OK) reason += ": " + std::string(X509_verify_cert_error_string(v));
      return fail(Code::unavailable, "TLS with " + r.verify_name + ": " + reason);
    }
    return {};
  }

  std::string why(const error_code& ec) const {
    if (cancelled) return "cancelled";
    if (ec == beast::error::timeout) return "timed out";
    if (ec == bhttp::error::body_limit) return too_large_text();
    return ec.message();
  }

  // One request on a connection (the kept one if any: a kept connection the server has closed
  // meanwhile is replaced once, before anything was read).
  Result<HttpResult> perform(const std::string& path_query, const LineReader* watch,
                             std::chrono::seconds idle, bhttp::verb method = bhttp::verb::get,
                             const std::string& content_type = "",
                             const std::string* body = nullptr) {
    if (cancelled) return fail(Code::unavailable, "cancelled");
    REGCRED_TRY_ASSIGN(Presented cred, creds.current());
    const Connection& c = creds.connection();
    const std::string what = std::string(bhttp::to_string(method)) + " " + c.server +
                             path_query.substr(0, path_query.find('?'));
    auto prefixed = [&](const Error& e) {
      return fail(Code::unavailable, what + ": " + e.message);
    };
    auto r = route_for(c);
    if (!r) return prefixed(r.error());
    if (c.insecure_skip_tls_verify && !warned_insecure) {
      io::log_warning("TLS verification of the API server is OFF (insecure-skip-tls-verify)",
                      {{"server", c.server}});
      warned_insecure = true;
    }
    if (r->tls) {
      auto made = make_context(c, cred);
      if (!made) return prefixed(made.error());
    }

    // Through a proxy, a plain request names the whole URL (TLS goes through a tunnel).
    const std::string origin =
        !r->tls && !r->proxy_host.empty() ? "http://" + r->authority : std::string();
    bhttp::request<bhttp::string_body> req{method, origin + r->prefix + path_query, 11};
    req.set(bhttp::field::host, r->authority);
    req.set(bhttp::field::user_agent, user_agent);
    req.set(bhttp::field::accept, accept);
    if (watch == nullptr) req.set(bhttp::field::accept_encoding, "gzip");
    if (!cred.bearer.empty())
      req.set(bhttp::field::authorization, "Bearer " + cred.bearer.reveal());
    if (body != nullptr) {
      req.set(bhttp::field::content_type, content_type);
      req.body() = *body;
    }
    if (!r->tls && !r->proxy_auth.empty())
      req.set(bhttp::field::proxy_authorization,
              "Basic " + core::base64_encode(r->proxy_auth.reveal()));
    req.prepare_payload();
    struct Wipe {
      bhttp::fields& f;
      ~Wipe() { wipe_authorization(f); }
    } wipe{req};

    const auto started = Clock::now();
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected();
      if (!reused) {
        auto up = connect(c, *r);
        if (!up) {
          close();
          return prefixed(up.error());
        }
      }
      HttpResult result;
      bool got_headers = false;
      bool gzipped = false;
      error_code ec = exchange(req, watch, idle, started, result, got_headers, gzipped);
      if (!ec && gzipped) {
        auto plain_body = gunzip(result.body);
        if (!plain_body) return prefixed(plain_body.error());
        result.body = std::move(*plain_body);
      }
      if (!ec) return result;
      close();
      if (cancelled) return fail(Code::unavailable, "cancelled");
      if (reused && !got_headers && attempt == 0) continue;
      std::string reason = why(ec);
      if (ec == beast::error::timeout) {
        if (!got_headers) {
          reason = "no response within " +
                   std::to_string(watch != nullptr ? k_connect_timeout.count()
                                                   : request_timeout.count()) +
                   " s";
        } else if (watch != nullptr && result.status == 200) {
          reason = "no data for " + std::to_string(idle.count()) + "s (a dead connection)";
        }
      }
      return fail(Code::unavailable, what + ": " + reason);
    }
  }

  // Writes the request and reads the response: whole, or (a 200 to a watch) line by line.
  error_code exchange(bhttp::request<bhttp::string_body>& req, const LineReader* watch,
                      std::chrono::seconds idle, Clock::time_point started, HttpResult& result,
                      bool& got_headers, bool& gzipped) {
    tcp().expires_at(started + (watch != nullptr ? k_connect_timeout : request_timeout));
    error_code ec = on_stream(
        [&](auto& s) { return run([&](auto h) { bhttp::async_write(s, req, std::move(h)); }); });
    if (ec) return ec;
    bhttp::response_parser<bhttp::buffer_body> p;
    p.body_limit(watch != nullptr ? std::numeric_limits<std::uint64_t>::max() : k_max_body);
    ec = on_stream([&](auto& s) {
      return run([&](auto h) { bhttp::async_read_header(s, buf, p, std::move(h)); });
    });
    if (ec) return ec;
    got_headers = true;
    // Beast reads at most the buffer's free room from the socket: left at the size the headers
    // needed, a storm's body came in reads of one or two events (7,000 reads for 10,000), each a
    // syscall and a pass of the loop.
    buf.reserve(k_read_room);
    const auto& head = p.get();
    result.status = head.result_int();
    if (auto it = head.find(bhttp::field::retry_after); it != head.end()) {
      try {
        result.retry_after = std::stol(std::string(it->value()));
      } catch (const std::exception&) {
        result.retry_after = 1;  // an HTTP date: the server wants a pause
      }
    }
    gzipped = core::ascii_iequals(head[bhttp::field::content_encoding], "gzip");
    if (watch != nullptr && result.status == 200) {
      ec = read_lines(p, *watch, idle);
      close();  // a watch's connection is not reused
      return ec;
    }
    std::array<char, 64 * 1024> chunk{};
    while (!p.is_done()) {
      p.get().body().data = chunk.data();
      p.get().body().size = chunk.size();
      ec = on_stream([&](auto& s) {
        return run([&](auto h) { bhttp::async_read_some(s, buf, p, std::move(h)); });
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) return ec;
      const std::string_view got(chunk.data(), chunk.size() - p.get().body().size);
      if (result.body.size() + got.size() > k_max_body) return bhttp::error::body_limit;
      result.body.append(got);
    }
    if (!p.keep_alive()) close();
    return {};
  }

  // A watch's body, line by line, until the callback stops it, the stream ends, or nothing came
  // for `idle`. The reads chain on the loop in one run(): a read started from a handler costs no
  // reactor wake-up, and the idle timer is armed once per `idle`, not once per read (a storm of
  // 10,000 events is thousands of reads).
  error_code read_lines(bhttp::response_parser<bhttp::buffer_body>& p, const LineReader& watch,
                        std::chrono::seconds idle) {
    core::LineSplitter splitter;
    std::array<char, 64 * 1024> chunk{};
    error_code result;
    bool reading = true;
    bool timed_out = false;
    auto last_data = Clock::now();
    tcp().expires_never();
    asio::steady_timer idle_timer(ioc);
    std::function<void(error_code)> on_idle = [&](error_code ec) {
      if (ec || !reading) return;
      const auto due = last_data + idle;
      if (Clock::now() >= due) {
        timed_out = true;
        abort_io();
        return;
      }
      idle_timer.expires_at(due);
      idle_timer.async_wait(on_idle);
    };
    if (idle.count() > 0) {
      idle_timer.expires_after(idle);
      idle_timer.async_wait(on_idle);
    }
    on_stream([&](auto& s) {
      std::function<void()> read_more = [&] {
        p.get().body().data = chunk.data();
        p.get().body().size = chunk.size();
        bhttp::async_read_some(s, buf, p, [&](error_code ec, std::size_t) {
          if (ec == bhttp::error::need_buffer) ec = {};
          bool more = !ec;
          if (more) {
            last_data = Clock::now();
            const std::string_view got(chunk.data(), chunk.size() - p.get().body().size);
            switch (splitter.feed(got, watch.on_line)) {
              case core::LineSplitter::Fed::more:
                watch.caught_up();
                break;
              case core::LineSplitter::Fed::stopped:  // the rest of this stream is not wanted
                more = false;
                break;
              case core::LineSplitter::Fed::too_long:
                ec = bhttp::error::body_limit;
                more = false;
                break;
            }
          }
          if (more && !p.is_done()) return read_more();
          result = ec;
          reading = false;
          idle_timer.cancel();
        });
      };
      read_more();
      ioc.restart();
      ioc.run();
      return error_code{};
    });
    return timed_out ? error_code(beast::error::timeout) : result;
  }
};

Client::Client(CredentialSource& creds) : impl_(std::make_unique<Impl>(creds)) {}
Client::~Client() = default;

Result<HttpResult> Client::get(const std::string& path_query) {
  return impl_->perform(path_query, nullptr, std::chrono::seconds(0));
}

void Client::set_request_timeout(std::chrono::seconds t) {
  impl_->request_timeout = t;
}

void Client::set_user_agent(std::string agent) {
  impl_->user_agent = std::move(agent);
}

void Client::set_accept(std::string media_types) {
  impl_->accept = std::move(media_types);
}

Result<HttpResult> Client::send(const std::string& method, const std::string& path,
                                const std::string& content_type, const std::string& body) {
  return impl_->perform(path, nullptr, std::chrono::seconds(0), bhttp::string_to_verb(method),
                        content_type, &body);
}

Result<HttpResult> Client::stream(const std::string& path_query,
                                  const std::function<bool(std::string_view)>& on_line,
                                  const std::function<void()>& caught_up,
                                  std::chrono::seconds idle) {
  const LineReader watch{on_line, caught_up};
  return impl_->perform(path_query, &watch, idle);
}

void Client::cancel() {
  impl_->cancelled = true;
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->abort_io(); });
}

}  // namespace regcred::kube
