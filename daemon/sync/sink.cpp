#include "daemon/sync/sink.hpp"

#include <array>
#include <functional>

#include "common/core/provider.hpp"
#include "common/io/log.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::sync {
namespace {

constexpr std::size_t k_max_config_size = 16U << 20U;

}  // namespace

std::string fingerprint(const core::AuthEntry& e) {
  // The entry as it reads back from the file, so an entry built with username/password and the
  // same entry parsed back (with `auth`) fingerprint alike.
  return core::sha256_hex(core::entry_json(e).dump());
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

Result<SinkPlan> plan_sink(const std::optional<std::string>& current, const OwnedKeys& owned,
                           const std::map<std::string, StoreEntry>& desired) {
  core::DockerConfig cfg;
  if (current && !current->empty()) {
    REGCRED_TRY_ASSIGN(cfg, core::DockerConfig::parse(*current));
  }
  SinkPlan plan;
  auto ours = [&](const core::AuthEntry& e) {
    auto it = owned.find(e.key);
    return it != owned.end() && it->second.contains(fingerprint(e));
  };
  // One pass over the file's entries, in their order: the user's stay, ours are replaced or
  // dropped; then the store's keys the file did not have, in key order.
  std::vector<core::AuthEntry> out;
  out.reserve(cfg.auths().size() + desired.size());
  std::set<std::string_view> placed;
  auto add_ours = [&](const StoreEntry& entry, const core::AuthEntry* existing) {
    core::AuthEntry e = entry_for(entry);
    if (existing != nullptr) e.extra = existing->extra;  // fields a tool added stay
    plan.owned[entry.key].insert(fingerprint(e));
    out.push_back(std::move(e));
    ++plan.managed;
  };
  for (const auto& e : cfg.auths()) {
    auto want = desired.find(e.key);
    if (!ours(e)) {
      if (want != desired.end()) plan.conflicts.push_back(e.key);
      out.push_back(e);
    } else if (want != desired.end()) {
      add_ours(want->second, &e);
    }
    placed.insert(e.key);
  }
  for (const auto& [key, entry] : desired) {
    if (!placed.contains(key)) add_ours(entry, nullptr);
  }
  std::sort(plan.conflicts.begin(), plan.conflicts.end());
  cfg.replace_auths(std::move(out));
  plan.text = cfg.serialize();
  plan.changed = !current || *current != plan.text;
  return plan;
}

FileSink::FileSink(std::string path, std::string kind) {
  status_.path = std::move(path);
  status_.kind = std::move(kind);
}

Result<void> FileSink::sync(const std::map<std::string, StoreEntry>& desired, OwnedKeys& owned,
                            const Recorder& record) {
  auto run = [&]() -> Result<void> {
    auto [dir_path, name] = io::split_path(status_.path);
    REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(dir_path, io::CreateDirs::yes));
    REGCRED_TRY_ASSIGN(auto current, io::read_file(dir, name, k_max_config_size));
    std::optional<std::string> text;
    mode_t mode = 0600;
    if (current) {
      text = std::move(current->text);
      // Keep a stricter old mode; never widen to group or others.
      mode = (current->mode & 0600) != 0 ? (current->mode & 0600) : 0600;
    }
    auto planned = plan_sink(text, owned, desired);
    if (!planned) return fail(std::move(planned).error().context("parse " + status_.path));
    SinkPlan plan = std::move(planned).value();
    status_.conflicts = plan.conflicts;
    status_.managed = plan.managed;
    if (!plan.changed) {
      if (owned != plan.owned) {
        owned = plan.owned;
        REGCRED_TRY(record(owned));
      }
      return ok();
    }
    OwnedKeys intent = owned;
    for (const auto& [k, fps] : plan.owned)
      intent[k].insert(fps.begin(), fps.end());
    REGCRED_TRY(record(intent));
    owned = std::move(intent);
    REGCRED_TRY(io::write_file(dir, name, plan.text, io::WriteOptions{mode, true}));
    owned = std::move(plan.owned);
    REGCRED_TRY(record(owned));
    ++status_.writes;
    status_.last_write = std::chrono::system_clock::now();
    io::log_info("wrote credentials", {{"file", status_.path},
                                       {"entries", std::to_string(status_.managed)},
                                       {"conflicts", std::to_string(status_.conflicts.size())}});
    return ok();
  };
  auto r = run();
  status_.last_sync = std::chrono::system_clock::now();
  status_.ok = r.has_value();
  status_.error = r ? "" : r.error().message;
  return r;
}

}  // namespace regcred::sync
