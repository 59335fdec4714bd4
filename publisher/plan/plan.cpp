#include "publisher/plan/plan.hpp"

#include <algorithm>

#include "common/core/docker_config.hpp"
#include "common/core/lint.hpp"

namespace regcred::publisher {
namespace {

constexpr std::size_t k_max_name = 253;  // a Secret's name: a DNS subdomain

std::vector<std::string> keys_of(const core::DockerConfig& c) {
  std::vector<std::string> out;
  for (const auto& e : c.auths())
    out.push_back(e.key);
  return out;
}

Refusal refusal(const core::SecretManifest& s, std::string key, core::Verdict v,
                std::string reason) {
  return {s.namespace_, s.name, s.uid, s.resource_version, std::move(key), v, std::move(reason)};
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

std::string published_name(std::string_view ns, std::string_view name) {
  if (ns.size() + 1 + name.size() > k_max_name) return "";
  return std::string(ns) + "." + std::string(name);
}

std::pair<std::string, std::string> origin_of(std::string_view published) {
  const auto dot = published.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == published.size()) return {};
  return {std::string(published.substr(0, dot)), std::string(published.substr(dot + 1))};
}

Plan make_plan(const core::Policy& policy, std::string_view publish_ns,
               const std::vector<core::SecretManifest>& sources,
               const std::vector<core::SecretManifest>& published) {
  Plan plan;
  struct Source {
    const core::SecretManifest* secret;
    core::DockerConfig config;
  };
  std::map<std::string, Source, std::less<>> by_published_name;
  for (const auto& s : sources) {
    // What regcredd's store would reject stays off nodes whole: one broken secret must not
    // turn every node's condition False.
    std::string why;
    for (const auto& p : core::lint_pull_secret(s)) {
      if (core::lint_rejects(p.code)) {
        why = core::format_lint_line(s, p);
        break;
      }
    }
    auto cfg = core::pull_secret_config(s);
    if (why.empty() && !cfg) why = s.display_name() + ": " + cfg.error().message;
    if (why.empty() && cfg->auths().empty()) why = s.display_name() + ": no registry entries";
    for (const auto& e : cfg ? cfg->auths() : std::vector<core::AuthEntry>{}) {
      if (!why.empty()) break;
      if (auto c = core::entry_credential_kubelet(e); !c)
        why = s.display_name() + ": \"" + e.key + "\": " + c.error().message;
    }
    if (!why.empty()) {
      plan.refusals.push_back(refusal(s, "", core::Verdict::unreadable, why));
      continue;
    }
    const auto name = published_name(s.namespace_, s.name);
    if (name.empty()) {
      plan.refusals.push_back(refusal(
          s, "", core::Verdict::unreadable,
          "namespace and name together are too long for a published name (253 characters)"));
      continue;
    }
    by_published_name.emplace(name, Source{&s, std::move(*cfg)});
  }

  // Keys held now: those of a published object whose source still has the key and which the
  // policy still lets that namespace publish.
  std::map<std::string, std::set<std::string>, std::less<>> held;
  for (const auto& p : published) {
    const auto src = by_published_name.find(p.name);
    if (src == by_published_name.end()) continue;
    auto cfg = core::pull_secret_config(p);
    if (!cfg) continue;
    const auto& ns = src->second.secret->namespace_;
    if (p.labels.contains(std::string(core::k_serves_namespace_label))) continue;
    for (const auto& d : core::decide_keys(policy, publish_ns, ns, keys_of(*cfg), {})) {
      if (d.verdict == core::Verdict::publish && src->second.config.find(d.key) != nullptr)
        held[d.claim_key].insert(ns);
    }
  }

  // Each source's decisions against the held keys.
  struct Decided {
    const Source* source;
    std::vector<core::KeyDecision> keys;
  };
  std::vector<Decided> decided;
  std::map<std::string, std::set<std::string>, std::less<>> wanted;  // new keys: who wants them
  auto scoped = [&](std::string_view ns) {
    return std::find(policy.namespace_scoped.begin(), policy.namespace_scoped.end(), ns) !=
           policy.namespace_scoped.end();
  };
  for (const auto& [name, src] : by_published_name) {
    const auto& ns = src.secret->namespace_;
    if (scoped(ns)) {
      // Its own pods' secrets, whole: they reach no node-wide file and claim no key.
      std::vector<core::KeyDecision> keys;
      for (const auto& k : keys_of(src.config))
        keys.push_back({k, core::claim_key(k), core::Verdict::publish, ""});
      decided.push_back({&src, std::move(keys)});
      continue;
    }
    core::Claims claims;
    for (const auto& [key, holders] : held) {
      if (!holders.contains(ns)) claims.emplace(key, joined(holders));
    }
    auto keys = core::decide_keys(policy, publish_ns, ns, keys_of(src.config), claims);
    for (const auto& d : keys) {
      if (d.verdict == core::Verdict::publish && !held.contains(d.claim_key))
        wanted[d.claim_key].insert(ns);
    }
    decided.push_back({&src, std::move(keys)});
  }

  // The bound on each namespace's published secrets: the ones published already stay; when the
  // newcomers would pass it, none of them is published (no name order picks some).
  std::set<std::string, std::less<>> already;
  for (const auto& p : published)
    already.insert(p.name);
  std::map<std::string, std::pair<int, int>, std::less<>> counts;  // ns -> held, new
  auto publishes_any = [](const std::vector<core::KeyDecision>& keys) {
    return std::any_of(keys.begin(), keys.end(), [](const core::KeyDecision& d) {
      return d.verdict == core::Verdict::publish;
    });
  };
  for (const auto& [src, keys] : decided) {
    const auto& s = *src->secret;
    if (s.namespace_ == publish_ns || !publishes_any(keys)) continue;
    auto& [held_n, new_n] = counts[s.namespace_];
    ++(already.contains(published_name(s.namespace_, s.name)) ? held_n : new_n);
  }
  auto over_bound = [&](const core::SecretManifest& s) {
    if (s.namespace_ == publish_ns || already.contains(published_name(s.namespace_, s.name)))
      return false;
    const auto c = counts.find(s.namespace_);
    return c != counts.end() &&
           c->second.first + c->second.second > policy.max_secrets_per_namespace;
  };

  for (auto& [src, keys] : decided) {
    const auto& s = *src->secret;
    if (publishes_any(keys) && over_bound(s)) {
      const auto& [held_n, new_n] = counts.find(s.namespace_)->second;
      plan.refusals.push_back(refusal(
          s, "", core::Verdict::too_many_secrets,
          "namespace " + s.namespace_ + " would publish " + std::to_string(held_n + new_n) +
              " secrets; the policy allows " + std::to_string(policy.max_secrets_per_namespace)));
      continue;
    }
    const bool serves = scoped(s.namespace_);
    Published out{published_name(s.namespace_, s.name),
                  s.namespace_,
                  s.name,
                  s.uid,
                  s.resource_version,
                  "",
                  {},
                  serves ? s.namespace_ : ""};
    core::Json auths = core::Json::object();
    for (auto& d : keys) {
      if (d.verdict == core::Verdict::publish) {
        const auto w = wanted.find(d.claim_key);
        if (w != wanted.end() && w->second.size() > 1) {
          d.verdict = core::Verdict::claimed_elsewhere;
          d.reason = d.claim_key + " is wanted by namespaces " + joined(w->second) +
                     " at once; the policy must give it to one";
        }
      }
      if (d.verdict != core::Verdict::publish) {
        plan.refusals.push_back(refusal(s, d.key, d.verdict, d.key + ": " + d.reason));
        continue;
      }
      auths[d.key] = core::entry_json_as_written(*src->config.find(d.key));
      out.keys.push_back(d.key);
      if (!serves) plan.claims[d.claim_key].insert(s.namespace_);
    }
    if (out.keys.empty()) continue;
    out.payload = core::Json{{"auths", std::move(auths)}}.dump();
    plan.publish.push_back(std::move(out));
  }
  return plan;
}

}  // namespace regcred::publisher
