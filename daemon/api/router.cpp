#include "daemon/api/router.hpp"

#include "common/core/json_fields.hpp"

namespace regcred::api {

// json_text: a request path that is not UTF-8 is printed, not thrown on.
Response json_response(unsigned status, nlohmann::json body) {
  body["version"] = REGCRED_VERSION;
  return Response{status, "application/json", core::json_text(body) + "\n"};
}

Response error_response(unsigned status, std::string_view message) {
  return json_response(status, {{"error", message}});
}

namespace {

Response error(unsigned status, std::string_view message) {
  return error_response(status, message);
}

// The helpers' endpoints and the method each takes.
const char* credential_method(const std::string& path) {
  if (path == "/v1/helper/list") return "GET";
  if (path == "/v1/helper/get" || path == "/v1/helper/store" || path == "/v1/helper/erase" ||
      path == "/v1/provider") {
    return "POST";
  }
  return nullptr;
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
  if (path == "/v1/pulltests" || path.starts_with("/v1/pulltests/")) {
    if (req.method == "POST" && path == "/v1/pulltests") {
      if (!req.privileged)
        return error(403, "pull tests are started only by root and the socket's group");
      return provider.pulltests(req, path);
    }
    if (!only_get()) return error(405, "method not allowed");
    return provider.pulltests(req, path);
  }
  if (path == "/v1/reload") {
    if (req.method != "POST") return error(405, "method not allowed");
    if (!req.privileged) return error(403, "reload is for root and the socket's group");
    return provider.reload_config();
  }
  if (path == "/metrics") {
    if (!only_get()) return error(405, "method not allowed");
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", provider.metrics()};
  }
  if (const char* method = credential_method(path)) {
    if (req.method != method) return error(405, "method not allowed");
    if (!req.privileged) {
      return error(403, "credentials are served only to root and the socket's group");
    }
    return provider.credentials(req, path);
  }
  return error(404, "no such endpoint: " + path);
}

}  // namespace regcred::api
