#include "common/core/policy.hpp"

#include <algorithm>
#include <array>

#include <yaml-cpp/yaml.h>

#include "common/core/ascii.hpp"
#include "common/core/match.hpp"

namespace regcred::core {
namespace {

constexpr std::array<std::string_view, 9> k_public = {
    "index.docker.io", "ghcr.io",   "quay.io",        "registry.k8s.io",  "gcr.io",
    "*.gcr.io",        "*.pkg.dev", "public.ecr.aws", "mcr.microsoft.com"};

constexpr std::array<std::string_view, 3> k_docker_hub = {"docker.io", "index.docker.io",
                                                          "registry-1.docker.io"};

// host[:port] and path (without its leading '/') of a claim key.
std::pair<std::string_view, std::string_view> split_key(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {key, {}};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

Result<std::vector<std::string>> strings_at(const YAML::Node& n, const std::string& where) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) return fail(Code::invalid_argument, where + ": not a list");
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar() || n[i].Scalar().empty())
      return fail(Code::invalid_argument, at + ": not a non-empty string");
    out.push_back(n[i].Scalar());
  }
  return out;
}

}  // namespace

bool namespace_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<Policy> parse_policy(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(Code::parse_error, "policy.yaml: not YAML: " + std::string(e.msg));
  }
  Policy p;
  if (!root || root.IsNull()) return p;
  if (!root.IsMap()) return fail(Code::invalid_argument, "policy.yaml: not a mapping");
  for (const auto& kv : root) {
    const auto key = kv.first.Scalar();
    if (key != "publishers" && key != "namespaceScoped" && key != "maxSecretsPerNamespace")
      return fail(Code::invalid_argument, "policy.yaml: unknown field " + key);
  }
  const auto pubs = root["publishers"];
  if (pubs && !pubs.IsNull() && !pubs.IsSequence())
    return fail(Code::invalid_argument, "publishers: not a list");
  for (std::size_t i = 0; pubs && pubs.IsSequence() && i < pubs.size(); ++i) {
    const std::string at = "publishers[" + std::to_string(i) + "]";
    const auto& n = pubs[i];
    if (!n.IsMap()) return fail(Code::invalid_argument, at + ": not a mapping");
    for (const auto& kv : n) {
      const auto key = kv.first.Scalar();
      if (key != "namespace" && key != "registries")
        return fail(Code::invalid_argument, at + ": unknown field " + key);
    }
    PolicyPublisher pub;
    if (!n["namespace"] || !n["namespace"].IsScalar() || !namespace_name(n["namespace"].Scalar()))
      return fail(Code::invalid_argument, at + ".namespace: not a namespace name");
    pub.ns = n["namespace"].Scalar();
    if (std::any_of(p.publishers.begin(), p.publishers.end(),
                    [&](const PolicyPublisher& q) { return q.ns == pub.ns; }))
      return fail(Code::invalid_argument, at + ".namespace: " + pub.ns + " is listed twice");
    auto regs = strings_at(n["registries"], at + ".registries");
    if (!regs) return fail(std::move(regs).error());
    for (std::size_t j = 0; j < regs->size(); ++j) {
      const auto& r = (*regs)[j];
      if (r.find("://") != std::string::npos || claim_key(r).empty())
        return fail(Code::invalid_argument, at + ".registries[" + std::to_string(j) + "]: " + r +
                                                ": not host[:port][/path] or a host glob");
    }
    pub.registries = std::move(*regs);
    p.publishers.push_back(std::move(pub));
  }
  auto scoped = strings_at(root["namespaceScoped"], "namespaceScoped");
  if (!scoped) return fail(std::move(scoped).error());
  for (std::size_t i = 0; i < scoped->size(); ++i) {
    if (!namespace_name((*scoped)[i]))
      return fail(Code::invalid_argument,
                  "namespaceScoped[" + std::to_string(i) + "]: not a namespace name");
  }
  for (std::size_t i = 0; i < scoped->size(); ++i) {
    const auto& ns = (*scoped)[i];
    if (std::any_of(p.publishers.begin(), p.publishers.end(),
                    [&](const PolicyPublisher& q) { return q.ns == ns; }))
      return fail(Code::invalid_argument, "namespaceScoped[" + std::to_string(i) + "]: " + ns +
                                              " is a publisher too: a namespace's secrets go "
                                              "node-wide or to its own pods, not both");
  }
  p.namespace_scoped = std::move(*scoped);
  if (const auto max = root["maxSecretsPerNamespace"]; max && !max.IsNull()) {
    int n = 0;
    if (!max.IsScalar() || !YAML::convert<int>::decode(max, n) || n < 0)
      return fail(Code::invalid_argument, "maxSecretsPerNamespace: not a number of 0 or more");
    p.max_secrets_per_namespace = n;
  }
  return p;
}

std::string claim_key(std::string_view config_key) {
  auto n = kubelet_normalize_key(config_key);
  if (!n || n->empty()) return "";
  auto [host, path] = split_key(*n);
  std::string h = ascii_lower(host);
  if (std::find(k_docker_hub.begin(), k_docker_hub.end(), h) != k_docker_hub.end())
    h = "index.docker.io";
  if (h.empty()) return "";
  return path.empty() ? h : h + "/" + std::string(path);
}

bool claim_covers(std::string_view claim, std::string_view key) {
  const std::string c = claim_key(claim);
  if (c.empty() || key.empty()) return false;
  const auto [ch, cp] = split_key(c);
  const auto [kh, kp] = split_key(key);
  if (!kubelet_urls_match(ch, kh)) return false;
  if (cp.empty()) return true;
  return kp == cp || (kp.starts_with(cp) && kp[cp.size()] == '/');
}

std::string public_registry_of(std::string_view key) {
  const auto host = split_key(key).first;
  for (auto p : k_public) {
    if (kubelet_hosts_overlap(host, p)) return std::string(p);
  }
  return "";
}

std::vector<KeyDecision> decide_keys(const Policy& policy, std::string_view publish_ns,
                                     std::string_view source_ns,
                                     const std::vector<std::string>& keys, const Claims& claims) {
  const auto pub = std::find_if(policy.publishers.begin(), policy.publishers.end(),
                                [&](const PolicyPublisher& p) { return p.ns == source_ns; });
  std::vector<KeyDecision> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    KeyDecision d{key, claim_key(key), Verdict::publish, ""};
    const auto held = claims.find(d.claim_key);
    // The policy's own verdict first; a key it allows may still be another namespace's.
    if (d.claim_key.empty()) {
      d.verdict = Verdict::unreadable;
      d.reason = "kubelet cannot read the key";
    } else if (source_ns == publish_ns) {
      // The admin's own secret.
    } else if (pub == policy.publishers.end()) {
      d.verdict = Verdict::namespace_not_listed;
      d.reason = "the policy lists no publisher for namespace " + std::string(source_ns);
    } else {
      bool covered = false;
      bool named = false;  // by an entry without a glob
      for (const auto& c : pub->registries) {
        if (!claim_covers(c, d.claim_key)) continue;
        covered = true;
        named = named || c.find('*') == std::string::npos;
      }
      if (!covered) {
        d.verdict = Verdict::not_claimed;
        d.reason =
            "no registries entry of namespace " + std::string(source_ns) + " covers " + d.claim_key;
      } else if (const auto public_of = named ? "" : public_registry_of(d.claim_key);
                 !public_of.empty()) {
        d.verdict = Verdict::public_registry;
        d.reason = d.claim_key + " reaches the public registry " + public_of +
                   ", which no registries entry names";
      }
    }
    if (d.verdict == Verdict::publish && held != claims.end() && held->second != source_ns) {
      d.verdict = Verdict::claimed_elsewhere;
      d.reason = d.claim_key + " is published from namespace " + held->second;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace regcred::core
