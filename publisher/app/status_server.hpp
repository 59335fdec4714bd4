// status_server.hpp: the publisher's HTTP endpoint (Boost.Beast, one thread, one request per
// connection): /healthz, /metrics (Prometheus text) and /v1/status (JSON). It shows names,
// keys and reasons, never a credential; it listens on loopback unless told otherwise.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/core/result.hpp"

namespace regcred::publisher {

struct StatusPages {
  std::function<bool()> healthy;
  std::function<std::string()> metrics;
  std::function<std::string()> status;
};

class StatusServer {
 public:
  ~StatusServer();
  // ADDRESS:PORT; port 0 picks one (port() says which).
  static Result<std::unique_ptr<StatusServer>> start(const std::string& listen, StatusPages pages);
  unsigned short port() const;
  void stop();

 private:
  StatusServer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::publisher
