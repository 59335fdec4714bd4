#include "common/core/answer.hpp"
#include "common/core/json_fields.hpp"

#include <algorithm>
#include <tuple>

#include "common/core/credential_helper.hpp"
#include "common/core/go/encoding.hpp"
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

HelperIndex::HelperIndex(const CredentialTable& t) {
  for (const auto& e : t) {
    auto reg = helper::registry_of(e.key);
    if (!reg) continue;
    auto [it, inserted] = best_.try_emplace(*reg, &e);
    const TableEntry* b = it->second;
    if (!inserted && std::tie(e.rank, e.key) < std::tie(b->rank, b->key)) it->second = &e;
  }
}

namespace {

// An entry regcred wrote itself (state, local.json): `auth` decoded when there is one, plus a
// bare identity token; nullopt for an `auth` that does not decode.
std::optional<Credential> stored_credential(const AuthEntry& e) {
  Credential c;
  if (!e.auth.empty()) {
    auto dec = entry_credential_kubelet(e);
    if (!dec) return std::nullopt;
    c = std::move(*dec);
  }
  c.identitytoken = e.identitytoken;
  return c;
}

}  // namespace

CredentialTable table_of_state(const DockerConfig& cfg) {
  CredentialTable t;
  const auto& root = cfg.root();
  const Json* sources = nullptr;
  if (auto x = root.find("x-regcred"); x != root.end() && x->is_object()) {
    if (auto s = x->find("sources"); s != x->end() && s->is_object()) sources = &*s;
  }
  for (const auto& e : cfg.auths()) {
    auto stored = stored_credential(e);
    if (!stored) continue;
    Credential c = std::move(*stored);
    std::string ns, name, source;
    if (sources != nullptr) {
      if (auto p = sources->find(e.key); p != sources->end() && p->is_object()) {
        ns = json_value(*p, "namespace", "");
        name = json_value(*p, "name", "");
        source = json_value(*p, "source", "");
      }
    }
    std::string rank = ns;
    rank += '\0';
    rank += name;
    rank += '\0';
    rank += source;
    t.push_back({e.key, std::move(c), std::move(rank),
                 source == "local" ? std::string("local") : ns + "/" + name});
  }
  return t;
}

const TableEntry* HelperIndex::get(std::string_view server) const {
  auto reg = helper::registry_of(server);
  if (!reg) return nullptr;
  auto it = best_.find(*reg);
  return it == best_.end() ? nullptr : it->second;
}

std::map<std::string, std::string> HelperIndex::list() const {
  std::map<std::string, std::string> out;
  for (const auto& [reg, e] : best_) {
    const auto& c = e->credential;
    out[reg == "docker.io" ? "https://index.docker.io/v1/" : e->key] =
        (c.password.empty() && !c.identitytoken.empty()) ? std::string(helper::k_token_username)
                                                         : c.username;
  }
  return out;
}

const TableEntry* helper_get(const CredentialTable& t, std::string_view server) {
  return HelperIndex(t).get(server);
}

std::map<std::string, std::string> helper_list(const CredentialTable& t) {
  return HelperIndex(t).list();
}

namespace {

// Kubelet has username and password only; a bare identity token is for docker's helper.
std::vector<const TableEntry*> usable_entries(const CredentialTable& t) {
  std::vector<const TableEntry*> out;
  out.reserve(t.size());
  for (const auto& e : t) {
    if (!e.credential.username.empty() || !e.credential.password.empty()) out.push_back(&e);
  }
  return out;
}

std::vector<std::string> keys_of(const std::vector<const TableEntry*>& entries) {
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const auto* e : entries)
    keys.push_back(e->key);
  return keys;
}

}  // namespace

ProviderIndex::ProviderIndex(const CredentialTable& t)
    : usable_(usable_entries(t)), keys_(keys_of(usable_)), ring_(keys_) {
  for (const auto& k : keys_) {
    auto n = kubelet_normalize_key(k);
    if (!n) continue;
    auto slash = n->find('/');
    if (slash != std::string::npos) path_key_hosts_.push_back(n->substr(0, slash));
  }
}

ProviderAnswer ProviderIndex::answer(std::string_view image, std::string_view api_version,
                                     std::string_view hit_duration) const {
  ProviderAnswer a;
  a.response.api_version = std::string(api_version);
  for (const auto& m : ring_.lookup(image)) {
    const TableEntry* best = nullptr;
    for (auto i : m.of) {
      const TableEntry* c = usable_[i];
      if (!best || std::tie(c->rank, c->key) < std::tie(best->rank, best->key)) best = c;
    }
    if (best == nullptr) continue;
    if (a.first_key.empty()) a.first_key = m.key;
    a.response.auth[m.key] = ProviderAuth{best->credential.username, best->credential.password};
    a.from.push_back(m.key + " <- " + best->from + " (" + best->key + ")");
    a.ordered.emplace_back(m.key, *best);
  }
  // Registry-wide caching is right only if no key narrows this registry to a path.
  std::string_view host = image.substr(0, image.find('/'));
  const bool path_keys =
      std::any_of(path_key_hosts_.begin(), path_key_hosts_.end(),
                  [&](const std::string& h) { return kubelet_urls_match(h, host); });
  a.response.cache_key_type = path_keys ? "Image" : "Registry";
  a.response.cache_duration = a.response.auth.empty() ? "0s" : std::string(hit_duration);
  return a;
}

ProviderAnswer provider_answer(const CredentialTable& t, std::string_view image,
                               std::string_view api_version, std::string_view hit_duration) {
  return ProviderIndex(t).answer(image, api_version, hit_duration);
}

}  // namespace regcred::core

namespace regcred::core {

CredentialTable local_table(const DockerConfig& local) {
  CredentialTable t;
  for (const auto& e : local.auths()) {
    auto stored = stored_credential(e);
    if (!stored) continue;
    Credential c = std::move(*stored);
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
