// store.hpp: the merged credential view the sinks and helpers serve. Sources feed it whole
// streams (a relist or a directory scan replaces a stream in one step) or single changes (watch
// events); it evaluates each secret once, when it arrives, and merges on demand.
//
// Precedence, when several accepted secrets give the same registry key: the secret whose
// namespace sorts first wins, then the name, then the source (all bytewise). It depends on
// nothing but names, so every node and every restart picks the same winner; the losers are kept
// as shadowed. A rejected secret (lint finds a problem that would break a pull) gives no entry
// at all and is kept with its reasons. Owns no I/O and no clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/label_selector.hpp"
#include "common/core/secret_manifest.hpp"

namespace regcred::sync {

struct Provenance {
  std::string source;  // "dir:/etc/regcred/secrets", "kube:https://10.0.0.1:6443", "local"
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string display() const { return source == "local" ? "local" : namespace_ + "/" + name; }
  // The store's precedence as a string: lower wins (namespace, name, source; local first).
  std::string rank() const;
};

struct StoreEntry {
  std::string key;  // the registry key as the secret writes it
  core::Credential credential;
  std::string email;
  Provenance from;
  std::vector<Provenance> shadowed;
};

struct SecretReport {
  Provenance from;
  bool rejected = false;
  std::vector<std::string> problems;  // lint lines (rejected: the reasons; else warnings)
  std::vector<std::string> keys;      // registry keys it gives (accepted only)
};

class Store {
 public:
  // A whole stream at once: what it held before and is not in `secrets` goes.
  void replace(const std::string& stream, const std::vector<core::SecretManifest>& secrets,
               const std::string& source);
  void upsert(const std::string& stream, const core::SecretManifest& secret,
              const std::string& source);
  void remove(const std::string& stream, const std::string& namespace_, const std::string& name);
  void drop_stream(const std::string& stream);
  // The node-local credentials (local.json): one pseudo-secret "local", ranked first.
  void set_local(const core::DockerConfig& local);
  // What the daemon served before it stopped (credentials.json), so the helpers get answers
  // while the sources have not delivered a full state yet; dropped when they have.
  void set_previous(const core::CredentialTable& previous);

  // Which accepted secrets reach the node-wide view (entries, the files). Everything by
  // default; with namespace-scoped credentials the sources deliver every pull secret and this
  // is the opt-in selector.
  void set_node_selector(core::LabelSelector selector);

  struct View {
    std::map<std::string, StoreEntry> entries;
    std::vector<SecretReport> secrets;  // every secret, sorted by namespace/name
    std::size_t rejected = 0;
    std::size_t shadowed = 0;
  };
  // Recomputed after a change, at most once per change burst.
  const View& view();
  // view()'s entries as the helpers' table (cached per generation).
  const core::CredentialTable& table();
  // The accepted secrets of one namespace, opted in or not, merged by the same precedence.
  core::CredentialTable namespace_table(const std::string& ns) const;
  // Every namespace that has an accepted secret.
  std::vector<std::string> namespaces() const;
  // Bumps on every change that can alter view().
  std::uint64_t generation() const { return generation_; }
  std::size_t secret_count() const { return secrets_.size(); }

 private:
  struct Evaluated {
    SecretReport report;
    struct Item {
      std::string key;
      core::Credential credential;
      std::string email;
    };
    std::vector<Item> items;
    std::map<std::string, std::string> labels;
    bool node_wide = true;
  };
  static Evaluated evaluate(const core::SecretManifest& s, const std::string& source);
  static std::string id(const std::string& ns, const std::string& name, const std::string& stream);

  std::map<std::string, Evaluated> secrets_;                 // ns \0 name \0 stream -> evaluated
  std::map<std::string, std::vector<std::string>> streams_;  // stream -> ids
  std::uint64_t generation_ = 0;
  std::uint64_t view_generation_ = ~std::uint64_t{0};
  View view_;
  std::uint64_t table_generation_ = ~std::uint64_t{0};
  core::CredentialTable table_;
  core::LabelSelector node_selector_;
};

// Lint codes that reject a secret: kubelet or docker would fail with it, or the registry would
// refuse the password. The others (not-compact, ambiguous-key, duplicate-registry,
// unpadded-base64, auth-mismatch, username-colon) are warnings: the secret is synced as kubelet
// reads it, and the warning is shown in status.
bool rejects(std::string_view lint_code);

}  // namespace regcred::sync
