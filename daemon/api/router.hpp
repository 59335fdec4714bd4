// router.hpp: the status API as a pure function of a request and the daemon's answers, apart
// from the socket and the session (server.cpp). Every JSON answer carries "version". Adding an
// endpoint is adding a branch here and a method to StatusProvider.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace regcred::api {

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string body;
  bool privileged = false;  // the peer is root or in the configured group
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class StatusProvider {
 public:
  virtual ~StatusProvider() = default;
  virtual bool ready() const = 0;
  virtual nlohmann::json status(bool privileged) = 0;
  // The helpers' endpoints (/v1/helper/get|list|store|erase, /v1/provider), reached only by
  // privileged peers with the right method.
  virtual Response credentials(const Request& req, const std::string& path) = 0;
  // GET /v1/pulltests[/ID], POST /v1/pulltests (privileged).
  virtual Response pulltests(const Request& req, const std::string& path) = 0;
  // Prometheus text exposition.
  virtual std::string metrics() = 0;
  // POST /v1/reload (privileged): re-read the configuration, as SIGHUP does.
  virtual Response reload_config() = 0;
};

// A JSON answer with "version" added; an {"error": message} answer.
Response json_response(unsigned status, nlohmann::json body);
Response error_response(unsigned status, std::string_view message);

Response route(const Request& req, StatusProvider& provider);

}  // namespace regcred::api
