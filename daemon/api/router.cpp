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

}  // namespace

Response route(const Request& req, Endpoints& endpoints) {
  const std::string path = req.target.substr(0, req.target.find('?'));
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  auto not_allowed = [] { return error(405, "method not allowed"); };
  if (path == "/healthz") {
    if (!get) return not_allowed();
    return json_response(200, {{"status", "ok"}});
  }
  if (path == "/readyz") {
    if (!get) return not_allowed();
    const bool r = endpoints.ready();
    return json_response(r ? 200 : 503,
                         {{"status", r ? "ready" : "waiting for the first full sync"}});
  }
  if (path == "/v1/status") {
    if (!get) return not_allowed();
    return json_response(200, endpoints.status(req.privileged));
  }
  if (path == "/metrics") {
    if (!get) return not_allowed();
    return Response{200, "text/plain; version=0.0.4; charset=utf-8",
                    endpoints.metrics(req.privileged)};
  }
  if (path == "/v1/pulltests") {
    if (post) {
      if (!req.privileged)
        return error(403, "pull tests are started only by root and the socket's group");
      return endpoints.start_pulltest(req);
    }
    if (!get) return not_allowed();
    return endpoints.pulltests(req);
  }
  if (constexpr std::string_view prefix = "/v1/pulltests/"; path.starts_with(prefix)) {
    if (!get) return not_allowed();
    return endpoints.pulltest(req, std::string_view(path).substr(prefix.size()));
  }
  if (path == "/v1/reload") {
    if (!post) return not_allowed();
    // A reload relists every pull secret: not for every member of the group to loop on.
    if (!req.root) return error(403, "reload is for root");
    return endpoints.reload();
  }
  // The helpers' endpoints and the method each takes.
  using Call = Response (*)(Endpoints&, const Request&);
  struct Credential {
    std::string_view path;
    bool post;
    bool root_only;  // changes the node's credentials
    Call call;
  };
  static constexpr Credential k_credentials[] = {
      {"/v1/helper/get", true, false,
       [](Endpoints& e, const Request& r) { return e.helper_get(r); }},
      {"/v1/helper/list", false, false,
       [](Endpoints& e, const Request& r) { return e.helper_list(r); }},
      {"/v1/helper/store", true, true,
       [](Endpoints& e, const Request& r) { return e.helper_store(r); }},
      {"/v1/helper/erase", true, true,
       [](Endpoints& e, const Request& r) { return e.helper_erase(r); }},
      {"/v1/provider", true, false, [](Endpoints& e, const Request& r) { return e.provider(r); }},
  };
  for (const auto& c : k_credentials) {
    if (path != c.path) continue;
    if (req.method != (c.post ? "POST" : "GET")) return not_allowed();
    if (!req.privileged) {
      return error(403, "credentials are served only to root and the socket's group");
    }
    // A node-local credential outranks every cluster secret in root's files (and, node-wide,
    // on the whole node): only root sets one.
    if (c.root_only && !req.root) {
      return error(403, "node-local credentials are stored and erased by root only");
    }
    return c.call(endpoints, req);
  }
  return error(404, "no such endpoint: " + path);
}

}  // namespace regcred::api
