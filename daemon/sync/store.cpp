#include "daemon/sync/store.hpp"

#include <algorithm>
#include <array>

#include "common/core/lint.hpp"
#include "common/core/published.hpp"

namespace regcred::sync {

std::string Store::id(const std::string& ns, const std::string& name, const std::string& stream) {
  return core::join_nul(ns, name, stream);
}

Store::Evaluated Store::evaluate(const core::SecretManifest& s, const std::string& source) {
  Evaluated ev;
  ev.report.from = Provenance{source, s.namespace_, s.name, s.uid, s.resource_version, ""};
  if (const auto o = s.annotations.find(std::string(core::k_origin_annotation));
      o != s.annotations.end())
    ev.report.from.origin = o->second;
  ev.labels = s.labels;
  for (const auto& p : core::lint_pull_secret(s)) {
    if (core::lint_rejects(p.code)) ev.report.rejected = true;
    ev.report.problems.push_back(core::format_lint_line(s, p));
  }
  if (ev.report.rejected) return ev;
  auto cfg = core::pull_secret_config(s);
  if (!cfg) {
    ev.report.rejected = true;
    ev.report.problems.push_back(s.display_name() + ": " + cfg.error().message);
    return ev;
  }
  for (const auto& e : cfg->auths()) {
    auto cred = core::entry_credential_kubelet(e);
    if (!cred) {
      ev.report.rejected = true;
      ev.report.problems.push_back(s.display_name() + ": \"" + e.key +
                                   "\": " + cred.error().message);
      ev.items.clear();
      return ev;
    }
    if (cred->username.empty() && cred->password.empty()) continue;
    cred->identitytoken = e.identitytoken;
    ev.items.push_back({e.key, std::move(*cred), e.email});
  }
  return ev;
}

void Store::set_local(const core::DockerConfig& local) {
  // Root's files take them over the view whether or not the view changes: every file merges
  // whole (a login is rare).
  drop_stream("local");
  invalidate();
  ++generation_;
  if (local.auths().empty()) return;
  Evaluated ev;
  ev.report.from = Provenance{"local", "", "local", "", "", ""};
  ev.node_wide = local_node_wide_;
  for (auto& e : core::local_table(local)) {
    ev.items.push_back({e.key, std::move(e.credential), ""});
  }
  std::string k = local_id();
  streams_["local"].push_back(k);
  put(k, std::move(ev));
}

void Store::set_local_node_wide(bool node_wide) {
  if (node_wide == local_node_wide_) return;
  local_node_wide_ = node_wide;
  for (auto& [k, ev] : secrets_) {
    if (ev.report.from.source == "local") ev.node_wide = node_wide;
  }
  invalidate();
  ++generation_;
}

void Store::set_previous(const core::CredentialTable& previous) {
  drop_stream("previous");
  invalidate();
  for (const auto& e : previous) {
    if (e.from == "local") continue;  // local.json is loaded as itself
    // rank is namespace \0 name \0 source.
    auto a = e.rank.find('\0');
    auto b = e.rank.find('\0', a == std::string::npos ? a : a + 1);
    if (b == std::string::npos) continue;
    Provenance from{
        e.rank.substr(b + 1), e.rank.substr(0, a), e.rank.substr(a + 1, b - a - 1), "", "", ""};
    std::string k = id(from.namespace_, from.name, "previous");
    auto [it, inserted] = secrets_.try_emplace(k);
    if (inserted) {
      streams_["previous"].push_back(k);
      it->second.report.from = from;
    }
    it->second.items.push_back({e.key, e.credential, ""});
  }
  ++generation_;
}

void Store::set_node_selector(core::LabelSelector selector) {
  node_selector_ = std::move(selector);
  for (auto& [k, ev] : secrets_) {
    if (ev.report.from.source != "local") ev.node_wide = node_selector_.matches(ev.labels);
  }
  invalidate();
  ++generation_;
}

void Store::replace(const std::string& stream, const std::vector<core::SecretManifest>& secrets,
                    const std::string& source) {
  drop_stream(stream);
  invalidate();
  auto& ids = streams_[stream];
  for (const auto& s : secrets) {
    std::string k = id(s.namespace_, s.name, stream);
    if (!secrets_.contains(k)) ids.push_back(k);
    Evaluated ev = evaluate(s, source);
    ev.node_wide = node_selector_.matches(s.labels);
    secrets_[k] = std::move(ev);
  }
  ++generation_;
}

void Store::upsert(const std::string& stream, const core::SecretManifest& s,
                   const std::string& source) {
  std::string k = id(s.namespace_, s.name, stream);
  Evaluated ev = evaluate(s, source);
  ev.node_wide = node_selector_.matches(s.labels);
  if (!secrets_.contains(k)) streams_[stream].push_back(k);
  put(k, std::move(ev));
}

void Store::remove(const std::string& stream, const std::string& ns, const std::string& name) {
  std::string k = id(ns, name, stream);
  if (!secrets_.contains(k)) return;
  auto& ids = streams_[stream];
  ids.erase(std::remove(ids.begin(), ids.end(), k), ids.end());
  put(k, std::nullopt);
}

void Store::drop_stream(const std::string& stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  invalidate();
  for (const auto& k : it->second)
    secrets_.erase(k);
  streams_.erase(it);
  ++generation_;
}

void Store::invalidate() {
  whole_ = true;
  holders_.clear();
  dirty_.clear();
}

void Store::put(const std::string& k, std::optional<Evaluated> ev) {
  auto it = secrets_.find(k);
  if (!whole_ && it != secrets_.end()) {
    if (it->second.report.rejected) --view_.rejected;
    if (gives(it->second)) {
      for (const auto& item : it->second.items) {
        auto& ids = holders_[item.key];
        ids.erase(std::remove(ids.begin(), ids.end(), &it->first), ids.end());
        dirty_.insert(item.key);
      }
    }
  }
  if (!ev) {
    if (it != secrets_.end()) secrets_.erase(it);
    ++generation_;
    return;
  }
  if (it == secrets_.end()) {
    it = secrets_.emplace(k, std::move(*ev)).first;
  } else {
    it->second = std::move(*ev);
  }
  if (!whole_) {
    if (it->second.report.rejected) ++view_.rejected;
    if (gives(it->second)) {
      for (const auto& item : it->second.items) {
        auto& ids = holders_[item.key];
        auto at =
            std::lower_bound(ids.begin(), ids.end(), &it->first,
                             [](const std::string* a, const std::string* b) { return *a < *b; });
        if (at == ids.end() || *at != &it->first) ids.insert(at, &it->first);
        dirty_.insert(item.key);
      }
    }
  }
  ++generation_;
}

void Store::update_entry(const std::string& key) {
  auto h = holders_.find(key);
  auto e = view_.entries.find(key);
  if (e != view_.entries.end()) view_.shadowed -= e->second.shadowed.size();
  if (h == holders_.end() || h->second.empty()) {
    if (h != holders_.end()) holders_.erase(h);
    if (e != view_.entries.end()) view_.entries.erase(e);
    return;
  }
  // The holders are in id order, namespace \0 name \0 stream: the precedence rule.
  StoreEntry out;
  out.key = key;
  bool first = true;
  for (const std::string* id : h->second) {
    const Evaluated& ev = secrets_.at(*id);
    if (first) {
      first = false;
      for (const auto& item : ev.items) {
        if (item.key != key) continue;
        out.credential = item.credential;
        out.email = item.email;
        break;
      }
      out.from = ev.report.from;
    } else {
      out.shadowed.push_back(ev.report.from);
    }
  }
  view_.shadowed += out.shadowed.size();
  if (e != view_.entries.end()) {
    e->second = std::move(out);
  } else {
    view_.entries.emplace(key, std::move(out));
  }
}

void Store::rebuild_view() {
  view_ = View{};
  holders_.clear();
  for (const auto& [k, ev] : secrets_) {
    if (ev.report.rejected) ++view_.rejected;
    if (!gives(ev)) continue;
    // secrets_ is iterated in id order: each holder list comes out sorted.
    for (const auto& item : ev.items) {
      auto& ids = holders_[item.key];
      if (ids.empty() || ids.back() != &k) ids.push_back(&k);
    }
  }
  for (const auto& [key, ids] : holders_)
    update_entry(key);
  whole_ = false;
  dirty_.clear();
  changes_.clear();
  rebuilt_generation_ = generation_;
}

const Store::View& Store::view() {
  if (view_generation_ == generation_) return view_;
  if (whole_) {
    rebuild_view();
  } else {
    for (const auto& key : dirty_) {
      update_entry(key);
      changes_.emplace_back(generation_, key);
    }
    dirty_.clear();
  }
  view_generation_ = generation_;
  return view_;
}

std::optional<std::vector<std::string>> Store::changed_since(std::uint64_t generation) {
  view();
  if (generation < rebuilt_generation_ || generation < forgotten_through_) return std::nullopt;
  std::vector<std::string> keys;
  for (const auto& [g, key] : changes_) {
    if (g > generation) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void Store::forget_changes_through(std::uint64_t generation) {
  std::erase_if(changes_, [&](const auto& c) { return c.first <= generation; });
  forgotten_through_ = std::max(forgotten_through_, generation);
}

const core::CredentialTable& Store::table() {
  const View& v = view();
  if (table_generation_ == generation_) return table_;
  table_ = table_of(v.entries);
  table_generation_ = generation_;
  return table_;
}

const std::map<std::string, StoreEntry>& Store::with_local() {
  const View& v = view();
  const auto local = secrets_.find(local_id());
  if (local_node_wide_ || local == secrets_.end()) return v.entries;
  if (with_local_generation_ != generation_) {
    with_local_ = v.entries;
    for (const auto& item : local->second.items) {
      const StoreEntry entry{item.key, item.credential, item.email, local->second.report.from, {}};
      auto [it, added] = with_local_.try_emplace(item.key, entry);
      if (added) continue;
      // The node-local entry wins its key: the secret that held it is shadowed, as in view().
      std::vector<Provenance> shadowed{it->second.from};
      shadowed.insert(shadowed.end(), it->second.shadowed.begin(), it->second.shadowed.end());
      it->second = entry;
      it->second.shadowed = std::move(shadowed);
    }
    table_with_local_ = table_of(with_local_);
    with_local_generation_ = generation_;
  }
  return with_local_;
}

const core::CredentialTable& Store::table_with_local() {
  if (local_node_wide_ || !secrets_.contains(local_id())) return table();
  with_local();
  return table_with_local_;
}

core::CredentialTable Store::namespace_table(const std::string& ns) const {
  core::CredentialTable t;
  std::map<std::string, std::size_t> seen;
  // secrets_ is ordered by namespace first: the namespace's secrets are one range.
  for (auto it = secrets_.lower_bound(ns + '\0'); it != secrets_.end(); ++it) {
    const auto& ev = it->second;
    if (ev.report.from.namespace_ != ns) break;
    if (ev.report.rejected) continue;
    for (const auto& item : ev.items) {
      if (seen.try_emplace(item.key, t.size()).second) {
        t.push_back({item.key, item.credential, ev.report.from.rank(), ev.report.from.display()});
      }
    }
  }
  return t;
}

std::vector<std::string> Store::namespaces() const {
  std::vector<std::string> out;
  for (const auto& [k, ev] : secrets_) {
    const auto& ns = ev.report.from.namespace_;
    if (ev.report.rejected || ev.report.from.source == "local") continue;
    if (out.empty() || out.back() != ns) out.push_back(ns);
  }
  return out;
}

}  // namespace regcred::sync
