// http.hpp: requests to the API server (Boost.Beast and OpenSSL), with the connection's TLS
// settings and the credential of the moment. One Client per thread (it keeps one connection
// alive). Beast stays inside http.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"
#include "common/kube/kubeconfig.hpp"

namespace regcred::kube {

struct HttpResult {
  long status = 0;
  std::optional<long> retry_after;  // seconds, from Retry-After
  std::string body;                 // the whole body, or (stream) a non-200 body
};

class Client {
 public:
  explicit Client(CredentialSource& creds);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // A whole response (lists). Fails on transport errors only; any status is a result.
  Result<HttpResult> get(const std::string& path_query);

  // A request with a body (POST, PATCH): the node condition and events.
  Result<HttpResult> send(const std::string& method, const std::string& path,
                          const std::string& content_type, const std::string& body);

  // A watch: `on_line` gets each newline-terminated line of a 200 body as it arrives and returns
  // false to end the stream; `caught_up` runs when every line read so far was handed over, before
  // the client waits for more (a storm arrives in reads of many lines). A stream silent for
  // `idle` is cut (a dead connection).
  Result<HttpResult> stream(const std::string& path_query,
                            const std::function<bool(std::string_view)>& on_line,
                            const std::function<void()>& caught_up, std::chrono::seconds idle);

  // How long a whole response (not a watch) may take; 120 s unless set. The lease's requests
  // must end before the renew deadline.
  void set_request_timeout(std::chrono::seconds t);
  // "regcredd/VERSION" unless set: the API server's audit log names the program by it.
  void set_user_agent(std::string agent);
  // The Accept header; "application/json" unless set (the issuer's keys come as
  // application/jwk-set+json, and the API server refuses them to a client that takes only JSON).
  void set_accept(std::string media_types);

  // From another thread: ends a request in progress at once, and every later one.
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query value as Go's url.QueryEscape does.

}  // namespace regcred::kube
