#include "common/pull/probe.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/core/ascii.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/provider_config.hpp"
#include "common/core/url.hpp"
#include "common/pull/registry_auth.hpp"
#include "common/pull/transport.hpp"

namespace regcred::pull {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view k_system_ca_dir = "/etc/ssl/certs";
constexpr long k_x509_not_yet_valid = 9;  // X509_V_ERR_CERT_NOT_YET_VALID
constexpr long k_x509_expired = 10;       // X509_V_ERR_CERT_HAS_EXPIRED
constexpr long k_x509_hostname = 62;      // X509_V_ERR_HOSTNAME_MISMATCH

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Every connection the probe opens, redirects and names that resolve there included: none to
// a link-local address (the cloud metadata services a hostile registry would point it at).
curl_socket_t open_socket(void*, curlsocktype, curl_sockaddr* a) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* ip = nullptr;
  if (a->family == AF_INET) ip = &reinterpret_cast<const sockaddr_in*>(&a->addr)->sin_addr;
  if (a->family == AF_INET6) ip = &reinterpret_cast<const sockaddr_in6*>(&a->addr)->sin6_addr;
  if (ip != nullptr && ::inet_ntop(a->family, ip, text, sizeof text) != nullptr &&
      is_link_local_address(text)) {
    return CURL_SOCKET_BAD;
  }
  return ::socket(a->family, a->socktype, a->protocol);
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

struct Response {
  CURLcode code = CURLE_OK;
  std::string error;  // curl's error buffer
  long status = 0;
  long verify_result = 0;
  std::map<std::string, std::string> headers;  // lower-cased names, first value
  std::string body;
  double connect_ms = 0, tls_ms = 0;
  std::string header(const char* name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  constexpr std::size_t k_max_body = 4U << 20U;  // manifests, tokens, error bodies
  if (r->body.size() + size * n > k_max_body) return 0;
  r->body.append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) r->headers.clear();  // a new response (after 100, redirects)
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = core::ascii_lower(line.substr(0, colon));
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
      v.remove_suffix(1);
    r->headers.try_emplace(name, v);
  }
  return size * n;
}

// One libcurl handle per pull test: the connection is reused across its requests.
class Session {
 public:
  Session(const std::string& host, const std::string& port, const std::vector<std::string>& addrs,
          const Options& o)
      : curl_(curl_easy_init(), curl_easy_cleanup) {
    // The system's CAs from the hashed folder (OpenSSL loads only the issuer it needs, where a
    // bundle file would be parsed whole on every handshake); the configured ones as a blob.
    cas_ = o.ca_pem;
    for (const auto& f : o.ca_files) {
      cas_ += read_all(f);
      cas_ += '\n';
    }
    std::string resolve = host + ":" + port + ":";
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      // curl wants IPv6 addresses in brackets in a resolve entry.
      if (i > 0) resolve += ',';
      const bool v6 = addrs[i].find(':') != std::string::npos;
      if (v6) resolve += '[';
      resolve += addrs[i];
      if (v6) resolve += ']';
    }
    resolve_ = curl_slist_append(nullptr, resolve.c_str());
    timeout_ = o.timeout;
  }
  ~Session() { curl_slist_free_all(resolve_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Response request(const std::string& method, const std::string& url,
                   const std::vector<std::string>& headers, const std::string& body = "") {
    CURL* c = curl_.get();
    curl_easy_reset(c);
    Response r;
    std::array<char, CURL_ERROR_SIZE> err{};
    curl_slist* hs = nullptr;
    for (const auto& h : headers)
      hs = curl_slist_append(hs, h.c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err.data());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);  // blobs may redirect to storage
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "regcred-pull-test/" REGCRED_VERSION);
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve_);
    curl_easy_setopt(c, CURLOPT_CAPATH, k_system_ca_dir.data());
    curl_easy_setopt(c, CURLOPT_CAINFO, nullptr);
    curl_blob blob{cas_.data(), cas_.size(), CURL_BLOB_NOCOPY};
    if (!cas_.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    r.code = curl_easy_perform(c);
    r.error = err.data();
    if (r.error.empty()) r.error = curl_easy_strerror(r.code);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &r.verify_result);
    curl_off_t connect = 0, tls = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &tls);
    r.connect_ms = static_cast<double>(connect) / 1000.0;
    r.tls_ms = tls > connect ? static_cast<double>(tls - connect) / 1000.0 : 0;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(hs);
    return r;
  }

 private:
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl_;
  curl_slist* resolve_ = nullptr;
  std::string cas_;
  std::chrono::milliseconds timeout_;
};

void failed(Outcome& r, std::string cls, std::string phase, std::string message,
            std::optional<long> status = std::nullopt) {
  r.ok = false;
  r.cls = std::move(cls);
  r.phase = std::move(phase);
  r.message = std::move(message);
  if (status && *status > 0) r.http_status = status;
}

// A transport failure: which of dns, connect, tls-*, plain-http it is.
void transport_failure(Outcome& r, const Response& resp, const std::string& phase_if_connect,
                       Session& s, const std::string& plain_url) {
  switch (resp.code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return failed(r, "dns", "dns", resp.error);
    case CURLE_COULDNT_CONNECT:
      return failed(r, "connect", phase_if_connect, resp.error);
    case CURLE_OPERATION_TIMEDOUT:
      return failed(r, "connect", resp.connect_ms > 0 ? "tls" : phase_if_connect, resp.error);
    case CURLE_PEER_FAILED_VERIFICATION: {
      const long v = resp.verify_result;
      if (v == k_x509_expired || v == k_x509_not_yet_valid)
        return failed(r, "tls-expired", "tls", resp.error);
      if (v == k_x509_hostname || resp.error.find("subject name") != std::string::npos ||
          resp.error.find("does not match") != std::string::npos) {
        return failed(r, "tls-hostname", "tls", resp.error);
      }
      return failed(r, "tls-untrusted", "tls", resp.error);
    }
    case CURLE_SSL_CONNECT_ERROR: {
      // A server that answers a TLS hello in plain HTTP: ask it in plain HTTP to be sure.
      Response plain = s.request("GET", plain_url, {});
      if (plain.code == CURLE_OK && plain.status > 0) {
        return failed(r, "plain-http", "tls",
                      "the registry speaks plain HTTP, not HTTPS (it answered http:// with " +
                          std::to_string(plain.status) + ")");
      }
      return failed(r, "tls-untrusted", "tls", resp.error);
    }
    default:
      return failed(r, "connect", phase_if_connect, resp.error);
  }
}

// An HTTP status that ends the test in `phase`.
void http_failure(Outcome& r, const Response& resp, const std::string& phase, bool had_credential) {
  const long st = resp.status;
  std::string code = registry_error_code(resp.body);
  std::string detail = code.empty() ? "" : " (" + code + ")";
  if (st == 401) {
    std::string scope_error;
    if (auto ch = parse_www_authenticate(resp.header("www-authenticate")); ch && !ch->empty()) {
      auto it = ch->front().params.find("error");
      if (it != ch->front().params.end()) scope_error = it->second;
    }
    if (scope_error == "insufficient_scope") {
      return failed(r, "no-access", phase,
                    "the credential may not pull this repository, or it does not exist"
                    " (insufficient_scope)",
                    st);
    }
    if (had_credential)
      return failed(r, "bad-credentials", phase, "the registry refused the credential" + detail,
                    st);
    return failed(r, "no-access", phase,
                  "the registry requires a credential and none matches this image" + detail, st);
  }
  if (st == 403)
    return failed(r, "forbidden", phase, "the registry denied the request" + detail, st);
  if (st == 404) return failed(r, "not-found", phase, "not found" + detail, st);
  if (st == 429) {
    r.retry_after = resp.header("retry-after");
    return failed(r, "rate-limited", phase,
                  "rate limited" + (r.retry_after.empty() ? "" : "; Retry-After " + r.retry_after),
                  st);
  }
  return failed(r, "server-error", phase, "unexpected HTTP " + std::to_string(st) + detail, st);
}

// One attempt with one credential (or none).
Outcome attempt(Session& s, const std::string& base, const core::ImageRef& ref,
                const Response& ping, const Candidate* cand, const Options& o, Outcome r) {
  r.credential = cand != nullptr ? std::optional<Candidate>(*cand) : std::nullopt;
  std::vector<std::string> auth;
  bool basic_sent = false;
  const std::string path = ref.path;
  if (ping.status == 401) {
    auto t0 = Clock::now();
    auto challenges = parse_www_authenticate(ping.header("www-authenticate"));
    if (!challenges) {
      failed(r, "server-error", "auth",
             "GET /v2/: 401 without a challenge that parses: " + challenges.error().message, 401);
      return r;
    }
    const Challenge* bearer = nullptr;
    const Challenge* basic = nullptr;
    for (const auto& c : *challenges) {
      if (c.scheme == "bearer" && bearer == nullptr) bearer = &c;
      if (c.scheme == "basic" && basic == nullptr) basic = &c;
    }
    const std::string basic_header =
        cand ? "Authorization: Basic " +
                   core::base64_encode(cand->username + ":" + cand->password.reveal())
             : "";
    if (bearer != nullptr) {
      auto param = [&](const char* k) {
        auto it = bearer->params.find(k);
        return it == bearer->params.end() ? std::string() : it->second;
      };
      const std::string realm = param("realm");
      const std::string service = param("service");
      const std::string scope = "repository:" + path + ":pull";
      if (realm.empty()) {
        failed(r, "server-error", "auth", "Bearer challenge without a realm", 401);
        return r;
      }
      if (auto why = realm_refusal(realm)) {
        failed(r, "server-error", "auth", "token realm " + realm + " refused: " + *why, 401);
        return r;
      }
      Response tok;
      if (cand && !cand->identitytoken.empty()) {
        tok = s.request("POST", realm, {"Content-Type: application/x-www-form-urlencoded"},
                        "grant_type=refresh_token&client_id=regcred&service=" +
                            core::query_escape(service) + "&scope=" + core::query_escape(scope) +
                            "&refresh_token=" + core::query_escape(cand->identitytoken.reveal()));
      } else {
        std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&") +
                          "service=" + core::query_escape(service) +
                          "&scope=" + core::query_escape(scope);
        std::vector<std::string> hs;
        if (cand) hs.push_back(basic_header);
        tok = s.request("GET", url, hs);
        if (tok.code == CURLE_OK && (tok.status == 404 || tok.status == 405) && cand) {
          // OAuth2 password grant, the POST form.
          tok = s.request("POST", realm, {"Content-Type: application/x-www-form-urlencoded"},
                          "grant_type=password&client_id=regcred&service=" +
                              core::query_escape(service) + "&scope=" + core::query_escape(scope) +
                              "&username=" + core::query_escape(cand->username) +
                              "&password=" + core::query_escape(cand->password.reveal()));
        }
      }
      r.timings_ms["token"] = ms_since(t0);
      if (tok.code != CURLE_OK) {
        transport_failure(r, tok, "token", s, realm);
        r.phase = "token";
        r.message = "token request to " + realm + ": " + r.message;
        return r;
      }
      if (tok.status == 401) {
        if (cand) {
          failed(r, "bad-credentials", "token", "the token server refused the credential", 401);
        } else {
          failed(r, "no-access", "token",
                 "the token server requires a credential and none matches this image", 401);
        }
        return r;
      }
      if (tok.status != 200) {
        http_failure(r, tok, "token", cand != nullptr);
        return r;
      }
      auto token = parse_token_response(tok.body);
      if (!token) {
        failed(r, "server-error", "token", token.error().message, tok.status);
        return r;
      }
      auth.push_back("Authorization: Bearer " + token->reveal());
    } else if (basic != nullptr && cand) {
      // Basic goes with every request. It is checked on its own only when a request is refused
      // (below): a registry with htpasswd runs bcrypt on each request that carries it.
      auth.push_back(basic_header);
      basic_sent = true;
    }
  }
  // A Basic credential refused on `resp` (the manifest): GET /v2/ with it tells a credential the
  // registry rejects (bad-credentials in phase auth) from one it accepts but not for this
  // repository (no-access).
  auto refused_basic = [&](const Response& resp) {
    if (!basic_sent || resp.code != CURLE_OK || resp.status != 401) return false;
    auto t1 = Clock::now();
    Response check = s.request("GET", base + "/v2/", auth);
    r.timings_ms["auth"] = ms_since(t1);
    if (check.code != CURLE_OK) return false;
    if (check.status == 401) {
      failed(r, "bad-credentials", "auth", "the registry refused the credential (Basic)", 401);
      return true;
    }
    if (check.status != 200) return false;
    const std::string code = registry_error_code(resp.body);
    failed(r, "no-access", "manifest",
           "the registry accepts the credential (GET /v2/ with it: 200) but not for this "
           "repository, or the repository does not exist" +
               (code.empty() ? std::string() : " (" + code + ")"),
           401);
    return true;
  };

  // The manifest the reference names.
  const std::string reference =
      !ref.digest.empty() ? ref.digest : (ref.tag.empty() ? "latest" : ref.tag);
  const std::string manifest_url = base + "/v2/" + path + "/manifests/" + reference;
  std::vector<std::string> accept = auth;
  accept.push_back("Accept: " + manifest_accept());
  auto t0 = Clock::now();
  // One GET: a HEAD first saved nothing (the GET followed whenever it succeeded, and a 429
  // answers either) and cost the registry one more credential check (bcrypt, per request, for
  // htpasswd).
  Response body = s.request("GET", manifest_url, accept);
  r.timings_ms["manifest"] = ms_since(t0);
  if (refused_basic(body)) return r;
  if (body.code != CURLE_OK) {
    transport_failure(r, body, "manifest", s, manifest_url);
    return r;
  }
  if (body.status != 200) {
    http_failure(r, body, "manifest", cand != nullptr);
    return r;
  }
  r.digest = body.header("docker-content-digest");
  if (r.digest.empty()) r.digest = "sha256:" + core::sha256_hex(body.body);
  auto info = parse_manifest(body.body, body.header("content-type"));
  if (!info) {
    failed(r, "server-error", "manifest", info.error().message, body.status);
    return r;
  }
  std::string config = info->config_digest;
  if (is_index_type(info->media_type)) {
    t0 = Clock::now();
    auto pick = select_platform(*info, o.platform);
    if (!pick) {
      std::string have;
      for (const auto& m : info->manifests) {
        have += (have.empty() ? "" : ", ") + m.platform.os + "/" + m.platform.architecture +
                (m.platform.variant.empty() ? "" : "/" + m.platform.variant);
      }
      const std::string want = o.platform.os + "/" + o.platform.architecture +
                               (o.platform.variant.empty() ? "" : "/" + o.platform.variant);
      failed(r, "wrong-platform", "platform",
             "no match for platform " + want + " in the index (it has: " + have + ")");
      return r;
    }
    Response child = s.request(
        "GET", base + "/v2/" + path + "/manifests/" + info->manifests[*pick].digest, accept);
    r.timings_ms["platform"] = ms_since(t0);
    if (child.code != CURLE_OK) {
      transport_failure(r, child, "platform", s, base);
      return r;
    }
    if (child.status != 200) {
      http_failure(r, child, "platform", cand != nullptr);
      return r;
    }
    auto cinfo = parse_manifest(child.body, child.header("content-type"));
    if (!cinfo) {
      failed(r, "server-error", "platform", cinfo.error().message, child.status);
      return r;
    }
    config = cinfo->config_digest;
  }
  if (config.empty()) {
    failed(r, "server-error", "manifest", "the manifest names no config blob", 200);
    return r;
  }
  t0 = Clock::now();
  Response blob = s.request("HEAD", base + "/v2/" + path + "/blobs/" + config, auth);
  r.timings_ms["config"] = ms_since(t0);
  if (blob.code != CURLE_OK) {
    transport_failure(r, blob, "config", s, base);
    return r;
  }
  if (blob.status != 200) {
    http_failure(r, blob, "config", cand != nullptr);
    return r;
  }
  r.ok = true;
  r.cls = "ok";
  r.phase = "done";
  r.http_status = 200;
  r.message = "pulled the manifest and found the config blob; no layer downloaded";
  return r;
}

bool auth_class(const std::string& cls) {
  return cls == "bad-credentials" || cls == "no-access" || cls == "forbidden";
}

}  // namespace

Outcome run(const core::ImageRef& ref, const std::vector<Candidate>& candidates,
            const Options& options) {
  const bool curl_ready = init_transport();
  Outcome r;
  r.image = ref.full();
  if (!curl_ready) {
    failed(r, "connect", "dns", "libcurl did not initialise");
    return r;
  }
  const auto total = Clock::now();
  // docker.io is served by registry-1.docker.io.
  std::string registry = ref.domain == "docker.io" ? "registry-1.docker.io" : ref.domain;
  auto [host, port] = core::split_host_port(registry);
  if (port.empty()) port = "443";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);

  auto t0 = Clock::now();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int gai = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  r.timings_ms["dns"] = ms_since(t0);
  if (gai != 0) {
    failed(r, "dns", "dns", "lookup " + host + ": " + ::gai_strerror(gai));
    return r;
  }
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    std::array<char, NI_MAXHOST> buf{};
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, buf.data(), buf.size(), nullptr, 0,
                      NI_NUMERICHOST) == 0) {
      std::string addr = buf.data();
      if (std::find(r.addresses.begin(), r.addresses.end(), addr) == r.addresses.end())
        r.addresses.push_back(addr);
    }
  }
  ::freeaddrinfo(res);

  const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string base = "https://" + url_host + ":" + port;
  Session s(host, port, r.addresses, options);
  Response ping = s.request("GET", base + "/v2/", {});
  r.timings_ms["connect"] = ping.connect_ms;
  r.timings_ms["tls"] = ping.tls_ms;
  if (ping.code != CURLE_OK) {
    transport_failure(r, ping, "connect", s, "http://" + url_host + ":" + port + "/v2/");
    r.timings_ms["total"] = ms_since(total);
    return r;
  }
  r.timings_ms["ping"] = ms_since(t0) - r.timings_ms["dns"];
  if (ping.status != 200 && ping.status != 401) {
    http_failure(r, ping, "ping", false);
    r.timings_ms["total"] = ms_since(total);
    return r;
  }
  std::optional<Outcome> first;
  if (candidates.empty()) {
    first = attempt(s, base, ref, ping, nullptr, options, r);
  } else {
    // kubelet's order: the first credential that gets through wins.
    for (const auto& c : candidates) {
      Outcome a = attempt(s, base, ref, ping, &c, options, r);
      if (a.ok || !auth_class(a.cls)) {
        first = std::move(a);
        break;
      }
      if (!first) first = std::move(a);
    }
  }
  first->timings_ms["total"] = ms_since(total);
  return *first;
}

}  // namespace regcred::pull
