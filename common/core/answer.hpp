// answer.hpp: what the helpers answer, over a table of credentials. The daemon builds the table
// from its store, the helpers from the state folder or a docker config file; the rules are
// these, once. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/core/credential_helper.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/match.hpp"
#include "common/core/provider.hpp"

namespace regcred::core {

struct TableEntry {
  std::string key;  // the registry key as the secret (or `store`) wrote it
  Credential credential;
  std::string rank;  // the store's precedence: lower wins
  std::string from;  // "namespace/name", or "local"
};
using CredentialTable = std::vector<TableEntry>;

// The table of a docker config (config.json or credentials.json): kubelet's decoding, entries
// without credentials left out, ranked by key.
CredentialTable table_of(const DockerConfig& cfg);

// The table of regcredd's STATE/credentials.json: a docker config plus "x-regcred" provenance,
// ranked as the store ranks (namespace, name, source); `from` is "namespace/name" or "local".
CredentialTable table_of_state(const DockerConfig& cfg);

// docker-credential-regcred get / list.
const TableEntry* helper_get(const CredentialTable& t, std::string_view server);
std::map<std::string, std::string> helper_list(const CredentialTable& t);

// The same with the per-registry choice made once (the daemon keeps one per store generation).
// Holds pointers into `t`, which must outlive it.
class HelperIndex {
 public:
  explicit HelperIndex(const CredentialTable& t);
  const TableEntry* get(std::string_view server) const;
  std::map<std::string, std::string> list() const;

 private:
  std::map<std::string, const TableEntry*, std::less<>> best_;  // registry -> winner
};

// regcred-credential-provider: every keyring key of kubelet's that matches the image, as an
// auth pattern kubelet matches again (the normalised key), with the winning credential of that
// key. cacheKeyType Registry unless a key with a path exists for the image's host (a
// path-specific answer cannot be cached per registry), then Image. cacheDuration `hit` when
// something matched, "0s" when nothing did (no negative caching: a secret that appears is used
// by the next pull).
struct ProviderAnswer {
  ProviderResponse response;
  std::vector<std::string> from;  // per auth entry, in kubelet's order: "pattern <- from"
  // The credentials kubelet would try for the image, in its order, with the pattern each
  // answers under.
  std::vector<std::pair<std::string, TableEntry>> ordered;
  std::string first_key;  // the key kubelet tries first ("" when none)
};
ProviderAnswer provider_answer(const CredentialTable& t, std::string_view image,
                               std::string_view api_version, std::string_view hit_duration);

// The same, with kubelet's keyring over the table built once (the daemon keeps one per store
// generation). Holds pointers into `t`, which must outlive it.
class ProviderIndex {
 public:
  explicit ProviderIndex(const CredentialTable& t);
  ProviderAnswer answer(std::string_view image, std::string_view api_version,
                        std::string_view hit_duration) const;

 private:
  std::vector<const TableEntry*> usable_;
  std::vector<std::string> keys_;
  std::vector<std::string> path_key_hosts_;  // host part of every normalised key with a path
  KubeletKeyring ring_;
};

}  // namespace regcred::core

namespace regcred::core {

// ---- node-local credentials (docker-credential-regcred store/erase) ----

// The table of local.json: ranked ahead of every cluster secret (an operator's explicit
// `docker login` on this node wins, as a user's own entry in a config.json does), from "local".
CredentialTable local_table(const DockerConfig& local);
// local entries first, then the cluster's.
CredentialTable merge_tables(CredentialTable local, const CredentialTable& cluster);

// `store`: replaces any local entry for the same registry. The key is the ServerURL trimmed;
// Username "<token>" keeps Secret as an identity token. Errors: a ServerURL that names a
// namespace rather than a registry.
Result<void> store_local(DockerConfig& local, const helper::Credentials& c);
// `erase`: removes the local entries for the server's registry; false when there were none.
bool erase_local(DockerConfig& local, std::string_view server);

// The namespace whose pull secrets answer a provider request when regcredd is down: that of
// the service account token's claims (KEP-4412), unverified (only root reads the state folder
// it answers from), nullopt without a token. An expired token is an error.
Result<std::optional<std::string>> request_namespace(const ProviderRequest& r,
                                                     std::int64_t now_unix);

// The texts erase prints when the credential is not a local one.
std::string erase_refused_text(std::string_view server, const TableEntry& cluster_entry);

}  // namespace regcred::core
