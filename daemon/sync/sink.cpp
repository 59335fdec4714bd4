#include "daemon/sync/sink.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>

#include "common/core/provider.hpp"
#include "common/core/provider_config.hpp"
#include "common/io/log.hpp"
#include "common/io/node_reach.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::sync {
namespace {

constexpr std::size_t k_max_config_size = 16U << 20U;

// The fingerprint of an entry's entry_json: what the records hold.
std::string fingerprint_of(const core::Json& entry) {
  return core::sha256_hex(entry.dump());
}

}  // namespace

std::string fingerprint(const core::AuthEntry& e) {
  // The entry as it reads back from the file, so an entry built with username/password and the
  // same entry parsed back (with `auth`) fingerprint alike.
  return fingerprint_of(core::entry_json(e));
}

core::AuthEntry entry_for(const StoreEntry& s) {
  core::AuthEntry e;
  e.key = s.key;
  // A bare identity token (a local `docker login` with a token) has no user:password.
  if (!s.credential.username.empty() || !s.credential.password.empty()) {
    e.auth = core::encode_auth(s.credential.username, s.credential.password);
  }
  e.email = s.email;
  e.identitytoken = s.credential.identitytoken;
  return e;
}

namespace {

// The entry's text and fingerprint from one rendering of it.
SinkItem render_ours(core::AuthEntry e, int depth, std::string& fp) {
  const core::Json j = core::entry_json(e);
  SinkItem item;
  item.key = e.key;
  item.ours = true;
  fp = fingerprint_of(j);
  item.text = core::entry_text(e.key, j.dump(1, '\t'), depth);
  // Most entries have no fields of a tool's: no empty object kept per entry.
  if (!e.extra.empty()) item.extra = std::move(e.extra);
  return item;
}

// The mode a rewrite keeps: a stricter old mode stays; never widened to group or others.
mode_t kept_mode(mode_t old) {
  return (old & 0600) != 0 ? (old & 0600) : 0600;
}

std::size_t text_hash(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

std::vector<std::string_view> texts(const std::vector<SinkItem>& items) {
  std::vector<std::string_view> out;
  out.reserve(items.size());
  for (const auto& i : items)
    out.push_back(i.text);
  return out;
}

// a - b, per key.
OwnedKeys minus(const OwnedKeys& a, const OwnedKeys& b) {
  OwnedKeys out;
  for (const auto& [key, fps] : a) {
    auto it = b.find(key);
    for (const auto& fp : fps) {
      if (it == b.end() || !it->second.contains(fp)) out[key].insert(fp);
    }
  }
  return out;
}

void add_to(OwnedKeys& to, const OwnedKeys& fps) {
  for (const auto& [k, f] : fps)
    to[k].insert(f.begin(), f.end());
}

void remove_from(OwnedKeys& from, const OwnedKeys& fps) {
  for (const auto& [k, f] : fps) {
    auto it = from.find(k);
    if (it == from.end()) continue;
    for (const auto& fp : f)
      it->second.erase(fp);
    if (it->second.empty()) from.erase(it);
  }
}

}  // namespace

Result<SinkPlan> plan_sink(const std::optional<std::string>& current, const OwnedKeys& owned,
                           const std::map<std::string, StoreEntry>& desired) {
  core::DockerConfig cfg;
  if (current && !current->empty()) {
    REGCRED_TRY_ASSIGN(cfg, core::DockerConfig::parse(*current));
  }
  SinkPlan plan;
  plan.layout = cfg.layout();
  const int depth = plan.layout.depth;
  auto ours = [&](const core::AuthEntry& e) {
    auto it = owned.find(e.key);
    return it != owned.end() && it->second.contains(fingerprint(e));
  };
  // An unrecorded entry that is exactly what the daemon writes for the store's entry is taken
  // as the daemon's: its records were lost (a purge and reinstall, a new state folder) while
  // the entry it wrote stayed. A user's entry that is the very same credential is handed over
  // too (docs/operators.md, "Entries regcredd takes as its own").
  auto adoptable = [&](const core::AuthEntry& e, const StoreEntry& want) {
    return fingerprint(e) == fingerprint(entry_for(want));
  };
  // One pass over the file's entries, in their order: the user's stay, ours are replaced or
  // dropped; then the store's keys the file did not have, in key order.
  plan.items.reserve(cfg.auths().size() + desired.size());
  std::set<std::string_view> placed;
  auto add_ours = [&](const StoreEntry& entry, const core::AuthEntry* existing) {
    core::AuthEntry e = entry_for(entry);
    if (existing != nullptr) e.extra = existing->extra;  // fields a tool added stay
    std::string fp;
    SinkItem item = render_ours(std::move(e), depth, fp);
    plan.owned[entry.key].insert(std::move(fp));
    plan.items.push_back(std::move(item));
    ++plan.managed;
  };
  for (const auto& e : cfg.auths()) {
    auto want = desired.find(e.key);
    if (!ours(e) && (want == desired.end() || !adoptable(e, want->second))) {
      if (want != desired.end()) plan.conflicts.push_back(e.key);
      plan.items.push_back(SinkItem{e.key, core::entry_text(e, depth), false, core::Json()});
    } else if (want != desired.end()) {
      add_ours(want->second, &e);
    }
    placed.insert(e.key);
  }
  for (const auto& [key, entry] : desired) {
    if (!placed.contains(key)) add_ours(entry, nullptr);
  }
  std::sort(plan.conflicts.begin(), plan.conflicts.end());
  plan.text = core::assemble(plan.layout, texts(plan.items));
  plan.changed = !current || *current != plan.text;
  return plan;
}

FileSink::FileSink(std::string path, std::string kind) {
  status_.path = std::move(path);
  status_.kind = std::move(kind);
}

void FileSink::Written::index_all() {
  by_key.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    by_key[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return items[a].key < items[b].key; });
}

std::vector<std::uint32_t>::const_iterator FileSink::Written::position(
    const std::string& key) const {
  return std::lower_bound(by_key.begin(), by_key.end(), key,
                          [&](std::uint32_t i, const std::string& k) { return items[i].key < k; });
}

const SinkItem* FileSink::Written::find(const std::string& key) const {
  auto it = position(key);
  return it != by_key.end() && items[*it].key == key ? &items[*it] : nullptr;
}

SinkItem* FileSink::Written::find(const std::string& key) {
  return const_cast<SinkItem*>(std::as_const(*this).find(key));
}

void FileSink::Written::add(SinkItem item) {
  by_key.insert(position(item.key), static_cast<std::uint32_t>(items.size()));
  items.push_back(std::move(item));
}

FileSink::Written FileSink::remember(SinkPlan plan, const std::string& text) {
  Written w;
  w.layout = std::move(plan.layout);
  w.items = std::move(plan.items);
  w.index_all();
  w.conflicts.insert(plan.conflicts.begin(), plan.conflicts.end());
  w.managed = plan.managed;
  w.size = text.size();
  w.hash = text_hash(text);
  return w;
}

Result<void> FileSink::write(const io::Dir& dir, const std::string& name, const std::string& text,
                             mode_t mode, const OwnedKeys& added, const OwnedKeys& removed,
                             OwnedKeys& owned, const Recorder& record) {
  if (!added.empty()) {
    REGCRED_TRY(record(added, {}));
    add_to(owned, added);
  }
  REGCRED_TRY(io::write_file(dir, name, text, io::WriteOptions{mode, true}));
  if (!removed.empty()) {
    remove_from(owned, removed);
    REGCRED_TRY(record({}, removed));
  }
  ++status_.writes;
  status_.last_write = std::chrono::system_clock::now();
  io::log_info("wrote credentials", {{"file", status_.path},
                                     {"entries", std::to_string(status_.managed)},
                                     {"conflicts", std::to_string(status_.conflicts.size())}});
  return ok();
}

Result<void> FileSink::sync_whole(const io::Dir& dir, const std::string& name,
                                  const std::map<std::string, StoreEntry>& desired,
                                  std::optional<io::FileContent> current, OwnedKeys& owned,
                                  const Recorder& record) {
  std::optional<std::string> text;
  mode_t mode = 0600;
  if (current) {
    text = std::move(current->text);
    mode = kept_mode(current->mode);
  }
  auto planned = plan_sink(text, owned, desired);
  if (!planned) return fail(std::move(planned).error().context("parse " + status_.path));
  SinkPlan plan = std::move(planned).value();
  status_.conflicts = plan.conflicts;
  status_.managed = plan.managed;
  const OwnedKeys added = minus(plan.owned, owned);
  // Everything not in the plan goes, stale fingerprints of a crashed write included.
  OwnedKeys removed = minus(owned, plan.owned);
  if (!plan.changed) {
    if (!added.empty() || !removed.empty()) {
      REGCRED_TRY(record(added, removed));
      owned = plan.owned;
    }
    written_ = remember(std::move(plan), *text);
    return ok();
  }
  std::string out = std::move(plan.text);
  REGCRED_TRY(write(dir, name, out, mode, added, removed, owned, record));
  owned = plan.owned;
  written_ = remember(std::move(plan), out);
  return ok();
}

Result<void> FileSink::sync(const Desired& wanted,
                            const std::optional<std::vector<std::string>>& changed,
                            OwnedKeys& owned, const Recorder& record) {
  auto run = [&]() -> Result<void> {
    auto [dir_path, name] = io::split_path(status_.path);
    REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(dir_path, io::CreateDirs::yes));
    REGCRED_TRY(io::check_reaches_node(dir.fd.get(), dir_path));
    REGCRED_TRY_ASSIGN(auto current, io::read_file(dir, name, k_max_config_size));
    const bool root = status_.kind == "docker" && dir.uid == 0;
    const auto& desired = root ? wanted.root : wanted.node;
    const bool as_left = written_ && wrote_root_ == root && changed && current &&
                         current->text.size() == written_->size &&
                         text_hash(current->text) == written_->hash;
    wrote_root_ = root;
    if (!as_left) {
      written_.reset();
      return sync_whole(dir, name, desired, std::move(current), owned, record);
    }
    // The file is as this sink left it: re-render the changed keys' entries only.
    Written& w = *written_;
    OwnedKeys added;
    OwnedKeys removed;
    std::vector<bool> dropped;  // by index into items, once one is dropped
    for (const auto& key : *changed) {
      auto want = desired.find(key);
      SinkItem* found = w.find(key);
      if (found == nullptr) {
        if (want == desired.end()) continue;
        std::string fp;
        SinkItem item = render_ours(entry_for(want->second), w.layout.depth, fp);
        added[key].insert(std::move(fp));
        w.add(std::move(item));
        ++w.managed;
        continue;
      }
      SinkItem& item = *found;
      if (!item.ours) {  // someone else's entry: never touched
        // Wanted again: the whole merge decides whether it is a conflict or one to adopt.
        if (want != desired.end()) {
          written_.reset();
          return sync_whole(dir, name, desired, std::move(current), owned, record);
        }
        w.conflicts.erase(key);
        continue;
      }
      // What the records hold for the key goes when the entry goes or changes (with any stale
      // fingerprint a crash left).
      const auto recorded = owned.find(key);
      if (want == desired.end()) {
        if (recorded != owned.end()) removed[key] = recorded->second;
        // Dropped after the loop: the key index must stay sorted until then.
        dropped.resize(w.items.size());
        dropped[static_cast<std::size_t>(&item - w.items.data())] = true;
        --w.managed;
        continue;
      }
      core::AuthEntry e = entry_for(want->second);
      if (item.extra.is_object()) e.extra = item.extra;
      std::string fp;
      SinkItem next = render_ours(std::move(e), w.layout.depth, fp);
      if (next.text == item.text) continue;
      if (recorded != owned.end()) {
        for (const auto& old : recorded->second) {
          if (old != fp) removed[key].insert(old);
        }
      }
      added[key].insert(std::move(fp));
      item = std::move(next);
    }
    if (!dropped.empty()) {
      std::vector<SinkItem> kept;
      kept.reserve(w.items.size());
      for (std::size_t i = 0; i < w.items.size(); ++i) {
        if (i >= dropped.size() || !dropped[i]) kept.push_back(std::move(w.items[i]));
      }
      w.items = std::move(kept);
      w.index_all();
    }
    status_.conflicts.assign(w.conflicts.begin(), w.conflicts.end());
    status_.managed = w.managed;
    std::string text = core::assemble(w.layout, texts(w.items));
    if (text == current->text) return ok();
    const mode_t mode = kept_mode(current->mode);
    // From here until the write succeeds the remembered entries are ahead of the file.
    Written kept = std::move(w);
    written_.reset();
    REGCRED_TRY(write(dir, name, text, mode, added, removed, owned, record));
    kept.size = text.size();
    kept.hash = text_hash(text);
    written_ = std::move(kept);
    return ok();
  };
  auto r = run();
  if (!r) written_.reset();
  status_.last_sync = std::chrono::system_clock::now();
  status_.ok = r.has_value();
  status_.error = r ? "" : r.error().message;
  return r;
}

}  // namespace regcred::sync
