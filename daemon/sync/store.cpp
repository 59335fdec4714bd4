#include "daemon/sync/store.hpp"

#include <algorithm>
#include <array>

#include "common/core/lint.hpp"

namespace regcred::sync {

bool rejects(std::string_view code) {
  namespace lc = core::lint_code;
  static constexpr std::array<std::string_view, 6> warnings = {
      lc::not_compact,     lc::ambiguous_key, lc::duplicate_registry,
      lc::unpadded_base64, lc::auth_mismatch, lc::username_colon};
  // An entry without credentials is skipped, not a reason to drop the secret's other entries.
  if (code == lc::no_credentials) return false;
  return std::find(warnings.begin(), warnings.end(), code) == warnings.end();
}

std::string Store::id(const std::string& ns, const std::string& name, const std::string& stream) {
  std::string s;
  s.reserve(ns.size() + name.size() + stream.size() + 2);
  s += ns;
  s += '\0';
  s += name;
  s += '\0';
  s += stream;
  return s;
}

Store::Evaluated Store::evaluate(const core::SecretManifest& s, const std::string& source) {
  Evaluated ev;
  ev.report.from = Provenance{source, s.namespace_, s.name, s.uid, s.resource_version};
  for (const auto& p : core::lint_pull_secret(s)) {
    if (rejects(p.code)) ev.report.rejected = true;
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
    ev.report.keys.push_back(e.key);
  }
  return ev;
}

void Store::replace(const std::string& stream, const std::vector<core::SecretManifest>& secrets,
                    const std::string& source) {
  drop_stream(stream);
  auto& ids = streams_[stream];
  for (const auto& s : secrets) {
    std::string k = id(s.namespace_, s.name, stream);
    if (!secrets_.contains(k)) ids.push_back(k);
    secrets_[k] = evaluate(s, source);
  }
  ++generation_;
}

void Store::upsert(const std::string& stream, const core::SecretManifest& s,
                   const std::string& source) {
  std::string k = id(s.namespace_, s.name, stream);
  auto [it, inserted] = secrets_.insert_or_assign(k, evaluate(s, source));
  if (inserted) streams_[stream].push_back(k);
  ++generation_;
}

void Store::remove(const std::string& stream, const std::string& ns, const std::string& name) {
  std::string k = id(ns, name, stream);
  if (secrets_.erase(k) == 0) return;
  auto& ids = streams_[stream];
  ids.erase(std::remove(ids.begin(), ids.end(), k), ids.end());
  ++generation_;
}

void Store::drop_stream(const std::string& stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  for (const auto& k : it->second)
    secrets_.erase(k);
  streams_.erase(it);
  ++generation_;
}

const Store::View& Store::view() {
  if (view_generation_ == generation_) return view_;
  View v;
  v.secrets.reserve(secrets_.size());
  // secrets_ is ordered by namespace, name, stream: the precedence rule, applied by first-wins.
  for (const auto& [k, ev] : secrets_) {
    v.secrets.push_back(ev.report);
    if (ev.report.rejected) {
      ++v.rejected;
      continue;
    }
    for (const auto& item : ev.items) {
      auto [it, inserted] = v.entries.try_emplace(item.key);
      if (inserted) {
        it->second = StoreEntry{item.key, item.credential, item.email, ev.report.from, {}};
      } else {
        it->second.shadowed.push_back(ev.report.from);
        ++v.shadowed;
      }
    }
  }
  view_ = std::move(v);
  view_generation_ = generation_;
  return view_;
}

}  // namespace regcred::sync
