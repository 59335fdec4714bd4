#include "common/core/answer.hpp"

#include <algorithm>
#include <tuple>

#include "common/core/credential_helper.hpp"
#include "common/core/encoding.hpp"
#include "common/core/match.hpp"

namespace regcred::core {

CredentialTable table_of(const DockerConfig& cfg) {
  CredentialTable t;
  for (const auto& e : cfg.auths()) {
    auto cred = entry_credential_kubelet(e);
    if (!cred || (cred->username.empty() && cred->password.empty())) continue;
    cred->identitytoken = e.identitytoken;
    t.push_back({e.key, std::move(*cred), e.key, "config"});
  }
  return t;
}

namespace {

std::vector<helper::Candidate> candidates(const CredentialTable& t) {
  std::vector<helper::Candidate> c;
  c.reserve(t.size());
  for (const auto& e : t)
    c.push_back({e.key, e.rank});
  return c;
}

}  // namespace

const TableEntry* helper_get(const CredentialTable& t, std::string_view server) {
  // A trimmed request is what every client means; the protocol trims too.
  auto i = helper::pick(candidates(t), server);
  return i ? &t[*i] : nullptr;
}

std::map<std::string, std::string> helper_list(const CredentialTable& t) {
  std::map<std::string, std::string> out;
  for (const auto& [key, i] : helper::listing(candidates(t))) {
    const auto& c = t[i].credential;
    out[key] = (c.password.empty() && !c.identitytoken.empty())
                   ? std::string(helper::k_token_username)
                   : c.username;
  }
  return out;
}

ProviderAnswer provider_answer(const CredentialTable& t, std::string_view image,
                               std::string_view api_version, std::string_view hit_duration) {
  ProviderAnswer a;
  a.response.api_version = std::string(api_version);
  // Kubelet has username and password only; a bare identity token is for docker's helper.
  std::vector<const TableEntry*> usable;
  std::vector<std::string> keys;
  for (const auto& e : t) {
    if (e.credential.username.empty() && e.credential.password.empty()) continue;
    usable.push_back(&e);
    keys.push_back(e.key);
  }
  KubeletKeyring ring(keys);
  for (const auto& m : ring.lookup(image)) {
    const TableEntry* best = nullptr;
    for (auto i : m.of) {
      const TableEntry* c = usable[i];
      if (!best || std::tie(c->rank, c->key) < std::tie(best->rank, best->key)) best = c;
    }
    if (best == nullptr) continue;
    if (a.first_key.empty()) a.first_key = m.key;
    a.response.auth[m.key] = ProviderAuth{best->credential.username, best->credential.password};
    a.from.push_back(m.key + " <- " + best->from + " (" + best->key + ")");
  }
  // Registry-wide caching is right only if no key narrows this registry to a path.
  std::string_view host = image.substr(0, image.find('/'));
  bool path_keys = false;
  for (const auto& k : keys) {
    auto n = kubelet_normalize_key(k);
    if (!n) continue;
    auto slash = n->find('/');
    if (slash == std::string::npos) continue;
    if (kubelet_urls_match(n->substr(0, slash), host)) path_keys = true;
  }
  a.response.cache_key_type = path_keys ? "Image" : "Registry";
  a.response.cache_duration = a.response.auth.empty() ? "0s" : std::string(hit_duration);
  return a;
}

}  // namespace regcred::core

namespace regcred::core {

CredentialTable local_table(const DockerConfig& local) {
  CredentialTable t;
  for (const auto& e : local.auths()) {
    Credential c;
    if (!e.auth.empty()) {
      auto dec = entry_credential_kubelet(e);
      if (!dec) continue;
      c = std::move(*dec);
    }
    c.identitytoken = e.identitytoken;
    if (c.username.empty() && c.password.empty() && c.identitytoken.empty()) continue;
    t.push_back({e.key, std::move(c), std::string(), "local"});
  }
  return t;
}

CredentialTable merge_tables(CredentialTable local, const CredentialTable& cluster) {
  for (const auto& e : cluster) {
    if (e.from != "local") local.push_back(e);
  }
  return local;
}

Result<void> store_local(DockerConfig& local, const helper::Credentials& c) {
  const std::string key(go_trim_space(c.server_url));
  if (!helper::registry_of(key)) {
    return fail(Code::invalid_argument,
                "cannot store credentials for " + key +
                    ": the helper keeps one credential per registry (host[:port]), not per path");
  }
  erase_local(local, key);
  AuthEntry e;
  e.key = key;
  if (c.username == helper::k_token_username) {
    e.identitytoken = c.secret;
  } else {
    e.username = c.username;
    e.password = c.secret;
    e.auth = encode_auth(c.username, c.secret);
  }
  local.set(std::move(e));
  return ok();
}

bool erase_local(DockerConfig& local, std::string_view server) {
  auto want = helper::registry_of(server);
  if (!want) return false;
  std::vector<std::string> gone;
  for (const auto& e : local.auths()) {
    if (helper::registry_of(e.key) == want) gone.push_back(e.key);
  }
  for (const auto& k : gone)
    local.erase(k);
  return !gone.empty();
}

Result<std::optional<std::string>> request_namespace(const ProviderRequest& r,
                                                     std::int64_t now_unix) {
  if (r.service_account_token.empty()) return std::optional<std::string>();
  REGCRED_TRY_ASSIGN(auto claims, service_account_claims(r.service_account_token));
  if (claims.expires && *claims.expires < now_unix) {
    return fail(Code::invalid_argument, "serviceAccountToken: expired");
  }
  return std::optional<std::string>(claims.namespace_);
}

std::string erase_refused_text(std::string_view server, const TableEntry& cluster_entry) {
  return "cannot erase " + std::string(go_trim_space(server)) +
         ": the credential comes from the cluster secret " + cluster_entry.from +
         "; change or delete that secret, or store a local credential to override it";
}

}  // namespace regcred::core
