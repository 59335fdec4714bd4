#include "daemon/handlers/credentials.hpp"

#include <chrono>

#include "common/core/socket_api.hpp"
#include "common/io/local_store.hpp"
#include "common/io/log.hpp"

namespace regcred::daemon {

namespace socket_api = core::socket_api;

const core::HelperIndex& CredentialEndpoints::helper_index(bool root) {
  if (root) return root_helper_index_.over(store_.table_with_local(), store_.generation());
  return helper_index_.over(store_.table(), store_.generation());
}

api::Response CredentialEndpoints::get(const api::Request& req) {
  auto r = socket_api::decode_server_request(req.body);
  if (!r) return api::error_response(400, r.error().message);
  const core::TableEntry* e = helper_index(req.root).get(r->server);
  if (e == nullptr) return api::error_response(404, core::helper::k_not_found);
  const auto& c = e->credential;
  const bool token = c.password.empty() && !c.identitytoken.empty();
  return api::json_response(
      200, socket_api::to_json({token ? std::string(core::helper::k_token_username) : c.username,
                                token ? c.identitytoken : c.password, e->key, e->from}));
}

api::Response CredentialEndpoints::list(const api::Request& req) {
  return api::json_response(200, socket_api::list_json(helper_index(req.root).list()));
}

api::Response CredentialEndpoints::store(const api::Request& req) {
  auto c = socket_api::decode_store_request(req.body);
  if (!c) return api::error_response(400, c.error().message);
  if (c->server_url.empty()) return api::error_response(400, core::helper::k_missing_server);
  if (c->username.empty()) return api::error_response(400, core::helper::k_missing_username);
  auto local = io::store_local_credential(config_.state_dir, *c);
  if (!local) return api::error_response(400, local.error().message);
  io::log_info("node-local credential stored", {{"server", c->server_url}});
  local_changed_(*local);
  return api::json_response(200, nlohmann::json::object());
}

api::Response CredentialEndpoints::erase(const api::Request& req) {
  auto r = socket_api::decode_server_request(req.body);
  if (!r) return api::error_response(400, r.error().message);
  auto local = io::erase_local_credential(config_.state_dir, r->server);
  if (!local) return api::error_response(500, local.error().message);
  if (*local) {
    io::log_info("node-local credential erased", {{"server", r->server}});
    local_changed_(**local);
    return api::json_response(200, nlohmann::json::object());
  }
  if (const auto* e = helper_index(true).get(r->server)) {
    return api::error_response(409, core::erase_refused_text(r->server, *e));
  }
  return api::error_response(404, core::helper::k_not_found);
}

// The body is kubelet's request as the provider read it.
api::Response CredentialEndpoints::provider(const api::Request& req) {
  auto r = core::parse_provider_request(req.body);
  if (!r) return api::error_response(400, r.error().message);
  std::string hit = config_.provider_cache_duration;
  if (auto asked = socket_api::provider_cache_duration(req.target); !asked.empty()) {
    auto d = core::parse_go_duration(asked);
    if (d && d->count() >= 0) hit = core::format_go_duration(*d);
  }
  // A token decides the answer only in namespace-scoped mode, and only once it verifies.
  std::optional<std::string> ns;
  if (config_.namespace_credentials && !r->service_account_token.empty()) {
    auto v = token_namespace(r->service_account_token);
    if (!v) {
      io::log_warning("service account token refused", {{"error", v.error().message}});
      return api::error_response(400, v.error().message);
    }
    ns = std::move(*v);
  }
  core::ProviderAnswer a;
  if (ns) {
    a = core::provider_answer(store_.namespace_table(*ns), r->image, r->api_version, hit);
  } else {
    a = provider_index_.over(store_.table(), store_.generation())
            .answer(r->image, r->api_version, hit);
  }
  io::log_debug("provider answered", {{"image", r->image},
                                      {"namespace", ns.value_or("")},
                                      {"keys", std::to_string(a.response.auth.size())}});
  return api::Response{200, "application/json", core::encode_provider_response(a.response)};
}

void CredentialEndpoints::set_issuer(kube::IssuerState s) {
  if (!s.keys && issuer_.keys) {
    issuer_.error = std::move(s.error);
    return;
  }
  issuer_ = std::move(s);
}

Result<std::string> CredentialEndpoints::token_namespace(const Secret& token) {
  if (!issuer_.keys) {
    return fail(Code::unavailable,
                "serviceAccountToken: cannot be verified: the service-account issuer's keys are "
                "not read" +
                    (issuer_.error.empty() ? std::string() : " (" + issuer_.error + ")"));
  }
  const core::ClaimRules rules{
      config_.service_account_audience,
      config_.service_account_issuer.empty() ? issuer_.issuer : config_.service_account_issuer,
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count(),
      60};
  auto v = kube::verified_namespace(token, *issuer_.keys, rules);
  if (!v && v.error().code == Code::not_found && unknown_key_) unknown_key_();
  return v;
}

}  // namespace regcred::daemon
