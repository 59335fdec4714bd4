// router.hpp: the status API as a pure function of a request and the daemon's answers, apart
// from the socket and the session (server.cpp). Every JSON answer carries "version". Adding an
// endpoint is adding a branch here and a method to Endpoints.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace regcred::api {

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string body;
  bool privileged = false;  // the peer is root or in the configured group
  bool root = false;        // the peer is root
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// One method per endpoint; route() checks the method and who asks, then calls the one that
// answers. Privileged: the peer is root or in the socket's group.
class Endpoints {
 public:
  virtual ~Endpoints() = default;
  virtual bool ready() const = 0;                      // GET /readyz
  virtual nlohmann::json status(bool privileged) = 0;  // GET /v1/status
  // GET /metrics (Prometheus text); without file paths and images for the unprivileged.
  virtual std::string metrics(bool privileged) = 0;
  virtual Response pulltests(const Request& req) = 0;  // GET /v1/pulltests
  // GET /v1/pulltests/ID; `id` is the path's last segment as sent.
  virtual Response pulltest(const Request& req, std::string_view id) = 0;
  virtual Response start_pulltest(const Request& req) = 0;  // POST /v1/pulltests, privileged
  virtual Response reload() = 0;                            // POST /v1/reload, root
  // The helpers' endpoints, privileged only.
  virtual Response helper_get(const Request& req) = 0;    // POST /v1/helper/get
  virtual Response helper_list(const Request& req) = 0;   // GET /v1/helper/list
  virtual Response helper_store(const Request& req) = 0;  // POST /v1/helper/store
  virtual Response helper_erase(const Request& req) = 0;  // POST /v1/helper/erase
  virtual Response provider(const Request& req) = 0;      // POST /v1/provider
};

// A JSON answer with "version" added; an {"error": message} answer.
Response json_response(unsigned status, nlohmann::json body);
Response error_response(unsigned status, std::string_view message);

Response route(const Request& req, Endpoints& endpoints);

}  // namespace regcred::api
