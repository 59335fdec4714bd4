#include "daemon/kube/http.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include <cstdio>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "common/core/url.hpp"
#include "common/core/watch_event.hpp"
#include "common/io/log.hpp"
#include "common/pull/transport.hpp"

namespace regcred::kube {
namespace {

constexpr std::size_t k_max_body = 512U << 20U;
constexpr long k_connect_timeout_s = 10;
constexpr long k_watch_curl_connect_timeout_s = 24L * 3600;  // see perform()
constexpr long k_get_timeout_s = 120;

}  // namespace

std::string query_escape(std::string_view v) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4U];
      out += hex[c & 15U];
    }
  }
  return out;
}

struct Client::Impl {
  explicit Impl(CredentialSource& c) : creds(c) {
    pull::init_transport();
    curl = curl_easy_init();
    multi = curl_multi_init();
  }
  ~Impl() {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
  CredentialSource& creds;
  CURL* curl = nullptr;
  // Transfers run on a multi handle: curl_easy_perform polls with a 1 s cap, which woke every
  // watch thread once a second for nothing (issue 8: no periodic wake-ups when idle).
  CURLM* multi = nullptr;
  std::chrono::steady_clock::time_point last_data{};
  std::atomic<bool> cancelled{false};
  std::mutex sock_mu;
  curl_socket_t sock = CURL_SOCKET_BAD;
  bool warned_insecure = false;

  // Per request
  HttpResult result;
  core::LineSplitter splitter;
  const std::function<bool(std::string_view)>* on_line = nullptr;
  bool ended_by_callback = false;
  bool in_body = false;  // the response's headers are all in
  char errbuf[CURL_ERROR_SIZE] = {0};

  static size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->last_data = std::chrono::steady_clock::now();
    std::string_view h(data, size * n);
    if (h == "\r\n" || h == "\n") self->in_body = true;  // the end of the headers
    constexpr std::string_view ra = "retry-after:";
    if (h.size() > ra.size()) {
      std::string lower;
      for (std::size_t i = 0; i < ra.size(); ++i) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(h[i])));
      }
      if (lower == ra) {
        std::string v(h.substr(ra.size()));
        try {
          self->result.retry_after = std::stol(v);
        } catch (...) {
          // An HTTP date: treat as 1 s, the server wants a pause.
          self->result.retry_after = 1;
        }
      }
    }
    return size * n;
  }

  static size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->last_data = std::chrono::steady_clock::now();
    std::string_view chunk(data, size * n);
    long status = 0;
    curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
    if (self->on_line == nullptr || status != 200) {
      if (self->result.body.size() + chunk.size() > k_max_body) return 0;
      self->result.body.append(chunk);
      return chunk.size();
    }
    switch (self->splitter.feed(chunk, *self->on_line)) {
      case core::LineSplitter::Fed::more:
        return chunk.size();
      case core::LineSplitter::Fed::stopped:
        self->ended_by_callback = true;
        return 0;
      case core::LineSplitter::Fed::too_long:
        return 0;
    }
    return 0;
  }

  static int on_sockopt(void* user, curl_socket_t fd, curlsocktype) {
    auto* self = static_cast<Impl*>(user);
    std::lock_guard lock(self->sock_mu);
    self->sock = fd;
    return CURL_SOCKOPT_OK;
  }
  static int on_close(void* user, curl_socket_t fd) {
    auto* self = static_cast<Impl*>(user);
    {
      std::lock_guard lock(self->sock_mu);
      if (self->sock == fd) self->sock = CURL_SOCKET_BAD;
    }
    return ::close(fd);
  }

  // curl_easy_perform on the multi handle, sleeping in poll until a socket or one of curl's own
  // timers needs it, a cancel() wakes it, or (idle > 0) no byte came for `idle`.
  CURLcode transfer(std::chrono::seconds idle) {
    using clock = std::chrono::steady_clock;
    if (multi == nullptr) return CURLE_FAILED_INIT;
    if (curl_multi_add_handle(multi, curl) != CURLM_OK) return CURLE_FAILED_INIT;
    last_data = clock::now();
    const auto started = last_data;
    in_body = false;
    CURLcode rc = CURLE_OK;
    for (;;) {
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) {
        rc = CURLE_FAILED_INIT;
        break;
      }
      bool done = false;
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
        if (m->msg == CURLMSG_DONE) {
          rc = m->data.result;
          done = true;
        }
      }
      if (done || running == 0) break;
      if (cancelled) {
        rc = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      long curl_ms = -1;
      curl_multi_timeout(multi, &curl_ms);
      long wait_ms = curl_ms >= 0 ? curl_ms : 3600L * 1000L;
      // Shortens the wait to `deadline`; false once it has passed.
      auto until = [&](clock::time_point deadline) {
        const auto left_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        wait_ms = std::min(wait_ms, static_cast<long>(left_ms));
        return left_ms > 0;
      };
      // A watch: the connect timeout libcurl is not given (see perform()), until the response's
      // headers are in.
      if (idle.count() > 0 && !in_body &&
          !until(started + std::chrono::seconds(k_connect_timeout_s))) {
        std::snprintf(errbuf, sizeof errbuf, "no response within %ld s", k_connect_timeout_s);
        rc = CURLE_OPERATION_TIMEDOUT;
        break;
      }
      if (idle.count() > 0 && !until(last_data + idle)) {
        rc = CURLE_OPERATION_TIMEDOUT;
        break;
      }
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::min(wait_ms, 3600L * 1000L)),
                      nullptr);
    }
    curl_multi_remove_handle(multi, curl);
    return rc;
  }

  Result<HttpResult> perform(const std::string& path_query,
                             const std::function<bool(std::string_view)>* lines,
                             std::chrono::seconds idle, const std::string& method = "GET",
                             const std::string& content_type = "",
                             const std::string* body = nullptr) {
    if (curl == nullptr) return fail(Code::internal, "curl_easy_init failed");
    if (cancelled) return fail(Code::unavailable, "cancelled");
    REGCRED_TRY_ASSIGN(Presented cred, creds.current());
    const Connection& c = creds.connection();
    result = HttpResult{};
    splitter.clear();
    on_line = lines;
    ended_by_callback = false;
    errbuf[0] = '\0';

    curl_easy_reset(curl);
    std::string url = c.server + path_query;
    std::string connect_to;
    struct curl_slist* connect_list = nullptr;
    if (!c.tls_server_name.empty()) {
      // Verify the certificate against tls-server-name while connecting to the server's
      // address: ask for https://<tls-server-name>:<port> and connect it to the real host.
      auto scheme_end = c.server.find("://");
      std::string authority = c.server.substr(scheme_end + 3);
      auto [host, port] = core::split_host_port(authority);
      if (port.empty()) port = "443";
      url = c.server.substr(0, scheme_end + 3) + c.tls_server_name + ":" + port + path_query;
      connect_to = c.tls_server_name + ":" + port + ":" + host + ":" + port;
      connect_list = curl_slist_append(nullptr, connect_to.c_str());
      curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_list);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    // A watch keeps its connection for minutes: libcurl's connect timer stays armed after the
    // connection is up and would wake the idle watch once, 10 s in (issue 8: no periodic
    // wake-ups). A watch gets it from transfer() instead: no response headers within 10 s.
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     lines == nullptr ? k_connect_timeout_s : k_watch_curl_connect_timeout_s);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "regcredd/" REGCRED_VERSION);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, &Impl::on_sockopt);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, this);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, this);
    if (lines == nullptr) curl_easy_setopt(curl, CURLOPT_TIMEOUT, k_get_timeout_s);
    if (c.insecure_skip_tls_verify) {
      if (!warned_insecure) {
        io::log_warning("TLS verification of the API server is OFF (insecure-skip-tls-verify)",
                        {{"server", c.server}});
        warned_insecure = true;
      }
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    // A kubeconfig (or the service account) that names the cluster's CA trusts that CA alone,
    // as kubectl does; the system's CAs only when it names none. libcurl's built-in CA folder
    // (/etc/ssl/certs on Debian) stays in force beside a CA file or blob unless unset.
    struct curl_blob ca_blob {};
    if (!c.ca_data.empty()) {
      ca_blob = {const_cast<char*>(c.ca_data.data()), c.ca_data.size(), CURL_BLOB_COPY};
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca_blob);
      curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    } else if (!c.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, c.ca_file.c_str());
      curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    }
    struct curl_blob cert_blob {};
    struct curl_blob key_blob {};
    if (!cred.cert_pem.empty()) {
      cert_blob = {const_cast<char*>(cred.cert_pem.data()), cred.cert_pem.size(), CURL_BLOB_COPY};
      key_blob = {const_cast<char*>(cred.key_pem.reveal().data()), cred.key_pem.size(),
                  CURL_BLOB_COPY};
      curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert_blob);
      curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key_blob);
      curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (!c.client_cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, c.client_cert_file.c_str());
      curl_easy_setopt(
          curl, CURLOPT_SSLKEY,
          (c.client_key_file.empty() ? c.client_cert_file : c.client_key_file).c_str());
    }
    struct curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    std::string type_header;
    if (body != nullptr) {
      type_header = "Content-Type: " + content_type;
      headers = curl_slist_append(headers, type_header.c_str());
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    std::string auth;
    if (!cred.bearer.empty()) {
      auth = "Authorization: Bearer " + cred.bearer.reveal();
      headers = curl_slist_append(headers, auth.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = transfer(lines != nullptr ? idle : std::chrono::seconds(0));
    curl_slist_free_all(headers);
    if (connect_list != nullptr) curl_slist_free_all(connect_list);
    std::fill(auth.begin(), auth.end(), '\0');
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    on_line = nullptr;
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && ended_by_callback)) return result;
    if (cancelled) return fail(Code::unavailable, "cancelled");
    std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT && lines != nullptr && result.status == 200) {
      why = "no data for " + std::to_string(idle.count()) + "s (a dead connection)";
    }
    return fail(Code::unavailable,
                method + " " + c.server + path_query.substr(0, path_query.find('?')) + ": " + why);
  }
};

Client::Client(CredentialSource& creds) : impl_(std::make_unique<Impl>(creds)) {}
Client::~Client() = default;

Result<HttpResult> Client::get(const std::string& path_query) {
  return impl_->perform(path_query, nullptr, std::chrono::seconds(0));
}

Result<HttpResult> Client::send(const std::string& method, const std::string& path,
                                const std::string& content_type, const std::string& body) {
  return impl_->perform(path, nullptr, std::chrono::seconds(0), method, content_type, &body);
}

Result<HttpResult> Client::stream(const std::string& path_query,
                                  const std::function<bool(std::string_view)>& on_line,
                                  std::chrono::seconds idle) {
  return impl_->perform(path_query, &on_line, idle);
}

void Client::cancel() {
  impl_->cancelled = true;
  if (impl_->multi != nullptr) curl_multi_wakeup(impl_->multi);
  std::lock_guard lock(impl_->sock_mu);
  if (impl_->sock != CURL_SOCKET_BAD) ::shutdown(impl_->sock, SHUT_RDWR);
}

}  // namespace regcred::kube
