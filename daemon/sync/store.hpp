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

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/label_selector.hpp"
#include "common/core/secret_manifest.hpp"
#include "common/core/store_entry.hpp"

namespace regcred::sync {

using core::Provenance;
using core::StoreEntry;
using core::table_of;

struct SecretReport {
  Provenance from;
  bool rejected = false;
  std::vector<std::string> problems;  // lint lines (rejected: the reasons; else warnings)
};

// One registry entry an accepted secret gives.
struct SecretItem {
  std::string key;
  core::Credential credential;
  std::string email;
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
  // The node-local credentials (local.json): one pseudo-secret "local", ranked first. Only root
  // stores them, so by default they are root's: over view() in root's own files and root's
  // helper answers (with_local()), not in kubelet's file, other users' or the provider's
  // answers. Node-wide (the admin's choice), they are in view() as any secret.
  void set_local(const core::DockerConfig& local);
  void set_local_node_wide(bool node_wide);
  // What the daemon served before it stopped (credentials.json), so the helpers get answers
  // while the sources have not delivered a full state yet; dropped when they have.
  void set_previous(const core::CredentialTable& previous);

  // Which accepted secrets reach the node-wide view (entries, the files). Everything by
  // default; with namespace-scoped credentials the sources deliver every pull secret and this
  // is the opt-in selector.
  void set_node_selector(core::LabelSelector selector);

  struct View {
    std::map<std::string, StoreEntry> entries;
    std::size_t rejected = 0;  // secrets rejected
    std::size_t shadowed = 0;  // secret entries that lost their key to another secret
  };
  // Brought up to date after a change, at most once per change burst: a watch event recomputes
  // only the keys the secret gave before and gives now; a whole stream at once (a relist, a
  // directory scan, the node selector) recomputes everything.
  const View& view();
  // The keys whose entry in view() may differ from what it was at `generation` (a value of
  // generation() seen earlier), sorted; nullopt when the view was rebuilt whole since, or the
  // record does not reach back that far. Brings the view up to date.
  std::optional<std::vector<std::string>> changed_since(std::uint64_t generation);
  // Forgets the changes up to `generation` (every reader has seen them).
  void forget_changes_through(std::uint64_t generation);
  // Every secret's report with the entries it gives (none when rejected), sorted by namespace,
  // name, stream: f(const SecretReport&, const std::vector<SecretItem>&).
  template <class F>
  void each_report(F&& f) const {
    for (const auto& [k, ev] : secrets_)
      f(ev.report, ev.items);
  }
  // view()'s entries as the helpers' table (cached per generation).
  const core::CredentialTable& table();
  // view()'s entries with the node-local ones over them (what root's files and root's helper
  // get); view()'s own when there are none or they are node-wide. Cached per generation.
  const std::map<std::string, StoreEntry>& with_local();
  const core::CredentialTable& table_with_local();
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
    std::vector<SecretItem> items;
    std::map<std::string, std::string> labels;
    bool node_wide = true;
  };
  static Evaluated evaluate(const core::SecretManifest& s, const std::string& source);
  static std::string id(const std::string& ns, const std::string& name, const std::string& stream);
  // The node-local pseudo-secret's key in secrets_ (ns "", so it sorts first).
  static std::string local_id() { return id("", "local", "local"); }
  // A secret that gives node-wide entries (accepted and opted in).
  static bool gives(const Evaluated& ev) { return !ev.report.rejected && ev.node_wide; }
  // Puts `ev` in place of the secret `k` (nullopt: removes it), keeping the holders index and
  // the dirty keys when the view is incremental.
  void put(const std::string& k, std::optional<Evaluated> ev);
  void invalidate();  // the next view() rebuilds whole
  void rebuild_view();
  void update_entry(const std::string& key);

  std::map<std::string, Evaluated> secrets_;                 // ns \0 name \0 stream -> evaluated
  std::map<std::string, std::vector<std::string>> streams_;  // stream -> ids
  std::uint64_t generation_ = 0;
  View view_;
  // The incremental view: key -> ids of the secrets that give it (first wins), the keys touched
  // since the last view(), and (generation, key) of every key recomputed since the last rebuild.
  bool whole_ = true;  // the next view() rebuilds whole
  std::uint64_t view_generation_ = ~std::uint64_t{0};
  std::uint64_t rebuilt_generation_ = 0;
  // Pointers to keys of secrets_ (stable while the secret is there), sorted by the id; nearly
  // always one, kept inline.
  std::unordered_map<std::string, boost::container::small_vector<const std::string*, 1>> holders_;
  std::set<std::string> dirty_;
  std::vector<std::pair<std::uint64_t, std::string>> changes_;
  std::uint64_t forgotten_through_ = 0;
  std::uint64_t table_generation_ = ~std::uint64_t{0};
  core::CredentialTable table_;
  core::LabelSelector node_selector_;
  bool local_node_wide_ = false;
  std::uint64_t with_local_generation_ = ~std::uint64_t{0};
  std::map<std::string, StoreEntry> with_local_;
  core::CredentialTable table_with_local_;
};

}  // namespace regcred::sync
