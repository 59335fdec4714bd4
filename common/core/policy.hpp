// policy.hpp: the cluster admin's policy for regcred-publisher (`policy.yaml` in the ConfigMap
// `regcred-policy` of the publish namespace) and the decision it makes for each registry key of
// a pull secret: published for nodes, or refused with the reason. Pure: the publisher reads the
// ConfigMap and the secrets, this decides.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

namespace regcred::core {

struct PolicyPublisher {
  std::string ns;
  // The keys the namespace may claim: host[:port], host[:port]/path, or a host glob with one
  // '*' per label as kubelet matches them (*.team-a.example.com).
  std::vector<std::string> registries;
};

struct Policy {
  std::vector<PolicyPublisher> publishers;
  // Namespaces whose pull secrets nodes may serve to that namespace's own pods (KEP-4412).
  std::vector<std::string> namespace_scoped;
  // The most source secrets one namespace (other than the publish namespace) may have
  // published: a flood of labelled secrets cannot grow every node's files.
  int max_secrets_per_namespace = 10;
};

// A namespace's name: a DNS label (RFC 1123), as the API server validates it.
bool namespace_name(std::string_view s);

// policy.yaml. Errors name the field ("publishers[1].registries[0]: ...").
Result<Policy> parse_policy(std::string_view text);

// A registry key as the publisher compares it: kubelet's normalised key (host[:port][/path],
// the scheme and a /v1/ or /v2/ dropped, the host lower-cased), every Docker Hub spelling as
// index.docker.io. Empty for a key kubelet cannot read.
std::string claim_key(std::string_view config_key);

// Whether `claim` (a policy registries entry) covers `key` (a claim_key): the host under
// kubelet's glob rules (one label per '*', the port equal), the path a prefix at a '/'. A key
// that is itself a glob is covered only by a claim that covers every host it matches.
bool claim_covers(std::string_view claim, std::string_view key);

// The public registry `key` reaches (index.docker.io, ghcr.io, quay.io, registry.k8s.io,
// gcr.io and *.gcr.io, *.pkg.dev, public.ecr.aws, mcr.microsoft.com), or "" for none. A glob
// key reaches every registry it matches.
std::string public_registry_of(std::string_view key);

enum class Verdict {
  publish,
  unreadable,            // kubelet cannot read the key
  namespace_not_listed,  // the policy lists no such publisher
  not_claimed,           // no registries entry of the namespace covers the key
  public_registry,       // a public registry no registries entry names
  claimed_elsewhere,     // another namespace's published key
  too_many_secrets,      // the namespace's bound on published secrets
};

struct KeyDecision {
  std::string key;        // as the secret spells it
  std::string claim_key;  // claim_key(key)
  Verdict verdict = Verdict::publish;
  std::string reason;  // for the Event and status; empty when published
};

// claim_key -> the namespace whose published secret holds it.
using Claims = std::map<std::string, std::string, std::less<>>;

// The decision for each key of a pull secret of `source_ns`. Secrets of the publish namespace
// are the admin's: every key they give is published, except one another namespace holds.
// `claims` are the keys published already: a key held by another namespace stays with it.
std::vector<KeyDecision> decide_keys(const Policy& policy, std::string_view publish_ns,
                                     std::string_view source_ns,
                                     const std::vector<std::string>& keys, const Claims& claims);

}  // namespace regcred::core
