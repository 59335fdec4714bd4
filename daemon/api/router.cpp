#include "daemon/api/router.hpp"

namespace regcred::api {
namespace {

Response json_response(unsigned status, nlohmann::json body) {
  body["version"] = REGCRED_VERSION;
  return Response{status, "application/json", body.dump() + "\n"};
}

Response error(unsigned status, std::string_view message) {
  return json_response(status, {{"error", message}});
}

}  // namespace

Response route(const Request& req, StatusProvider& provider) {
  std::string path = req.target.substr(0, req.target.find('?'));
  auto only_get = [&]() { return req.method == "GET" || req.method == "HEAD"; };
  if (path == "/healthz") {
    if (!only_get()) return error(405, "method not allowed");
    return json_response(200, {{"status", "ok"}});
  }
  if (path == "/readyz") {
    if (!only_get()) return error(405, "method not allowed");
    bool r = provider.ready();
    return json_response(r ? 200 : 503,
                         {{"status", r ? "ready" : "waiting for the first full sync"}});
  }
  if (path == "/v1/status") {
    if (!only_get()) return error(405, "method not allowed");
    return json_response(200, provider.status(req.privileged));
  }
  return error(404, "no such endpoint: " + path);
}

}  // namespace regcred::api
