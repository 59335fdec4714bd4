// plan.hpp: what regcred-publisher should have published, from what it read: the tenants' and
// the admin's pull secrets, the objects it published already, and the admin's policy. Pure: the
// controller reads, this decides, the writer applies the difference.
//
// Layout: one published Secret per source secret, named `<namespace>.<name>` (a namespace name
// has no dot, so the name says its origin), holding only the keys the policy lets reach nodes.
// A change to one source secret rewrites one small object, which is all a node's watch receives.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/core/policy.hpp"
#include "common/core/published.hpp"
#include "common/core/secret_manifest.hpp"

namespace regcred::publisher {

// `<namespace>.<name>`, or "" when it would be longer than a Secret's name may be.
std::string published_name(std::string_view ns, std::string_view name);
// The origin a published name spells: {namespace, name}, or empty strings when it is not one.
std::pair<std::string, std::string> origin_of(std::string_view published);

struct Published {
  std::string name;  // in the publish namespace
  std::string origin_ns, origin_name, origin_uid, origin_rv;
  // .dockerconfigjson: compact {"auths":{...}} with the published keys' entries as written.
  std::string payload;
  std::vector<std::string> keys;  // as the source spells them
  // A namespace-scoped copy: the namespace whose pods it serves; "" for node-wide.
  std::string serves_namespace;
};

struct Refusal {
  std::string ns, name, uid, resource_version;  // the refused Secret
  std::string key;                              // "" for the whole secret
  core::Verdict verdict = core::Verdict::unreadable;
  std::string reason;  // names the key and why; never a credential
};

struct Plan {
  std::vector<Published> publish;  // every object that should exist, by name order
  std::vector<Refusal> refusals;
  // Published keys and the namespace holding each (claim_key -> namespaces), for status.
  std::map<std::string, std::set<std::string>> claims;
};

// `sources`: the labelled pull secrets of every namespace (the publish namespace's are the
// admin's). `published`: the objects published already, which keep their keys (a key held by
// one namespace stays with it while its secret still has it and the policy still allows it).
// A key no object holds yet, wanted by two namespaces in the same pass, goes to neither.
// A namespaceScoped namespace's secrets are published whole as copies that serve its own pods;
// they claim no key.
Plan make_plan(const core::Policy& policy, std::string_view publish_ns,
               const std::vector<core::SecretManifest>& sources,
               const std::vector<core::SecretManifest>& published);

}  // namespace regcred::publisher
