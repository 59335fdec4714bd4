// The admin's policy: its parsing, which keys a registries entry covers, which keys reach a
// public registry, and each key's decision, the tenants' attacks among them.
#include "common/core/policy.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

Policy policy() {
  auto p = parse_policy(R"(
publishers:
  - namespace: team-a
    registries:
      - registry.team-a.example.com
      - quay.io/team-a
      - "*.team-a.example.com"
  - namespace: team-b
    registries: ["registry.team-b.example.com:5000", "*.pkg.dev", "europe-docker.pkg.dev/proj-b"]
  - namespace: mirror
    registries: [docker.io]
namespaceScoped: [team-c]
)");
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

std::vector<Verdict> verdicts(std::string_view ns, const std::vector<std::string>& keys,
                              const Claims& claims = {}) {
  std::vector<Verdict> out;
  for (const auto& d : decide_keys(policy(), "regcred-system", ns, keys, claims))
    out.push_back(d.verdict);
  return out;
}

TEST(Policy, ParsesTheContractsShape) {
  const auto p = policy();
  ASSERT_EQ(p.publishers.size(), 3U);
  EXPECT_EQ(p.publishers[0].ns, "team-a");
  EXPECT_EQ(p.publishers[0].registries.size(), 3U);
  EXPECT_EQ(p.namespace_scoped, std::vector<std::string>{"team-c"});
  EXPECT_TRUE(parse_policy(""));  // no policy: nothing from outside the publish namespace
}

TEST(Policy, ErrorsNameTheField) {
  auto e = [](std::string_view text) {
    auto p = parse_policy(text);
    return p ? std::string("accepted") : p.error().message;
  };
  EXPECT_EQ(e("publishers: {}"), "publishers: not a list");
  EXPECT_EQ(e("publishers: [{namespace: Team_A}]"),
            "publishers[0].namespace: not a namespace name");
  EXPECT_EQ(e("publishers: [{namespace: a, registries: [\"https://x.io\"]}]"),
            "publishers[0].registries[0]: https://x.io: not host[:port][/path] or a host glob");
  EXPECT_EQ(e("publishers: [{namespace: a}, {namespace: a}]"),
            "publishers[1].namespace: a is listed twice");
  EXPECT_EQ(e("publishers: [{namespace: a, registry: [x.io]}]"),
            "publishers[0]: unknown field registry");
  EXPECT_EQ(e("publisher: []"), "policy.yaml: unknown field publisher");
  EXPECT_EQ(e("namespaceScoped: [ok, \"\"]"), "namespaceScoped[1]: not a non-empty string");
  EXPECT_EQ(e("[1, 2"), "policy.yaml: not YAML: end of sequence flow not found");
}

TEST(Policy, ClaimKeysAreKubeletsWithDockerHubAsOne) {
  EXPECT_EQ(claim_key("https://index.docker.io/v1/"), "index.docker.io");
  EXPECT_EQ(claim_key("docker.io"), "index.docker.io");
  EXPECT_EQ(claim_key("registry-1.docker.io/library"), "index.docker.io/library");
  EXPECT_EQ(claim_key("https://Quay.IO/v2/team-a"), "quay.io/team-a");
  EXPECT_EQ(claim_key("reg.example.com:5000"), "reg.example.com:5000");
}

TEST(Policy, AClaimCoversItsHostItsPathsAndWhatItsGlobMatches) {
  EXPECT_TRUE(claim_covers("quay.io/team-a", "quay.io/team-a"));
  EXPECT_TRUE(claim_covers("quay.io/team-a", "quay.io/team-a/app"));
  EXPECT_FALSE(claim_covers("quay.io/team-a", "quay.io/team-ab"));  // a path at a '/'
  EXPECT_FALSE(claim_covers("quay.io/team-a", "quay.io"));          // wider than the claim
  EXPECT_TRUE(claim_covers("registry.team-a.example.com", "registry.team-a.example.com/x"));
  EXPECT_FALSE(claim_covers("registry.team-a.example.com", "registry.team-a.example.com:5000"));
  EXPECT_TRUE(claim_covers("*.team-a.example.com", "ci.team-a.example.com"));
  EXPECT_TRUE(claim_covers("*.team-a.example.com", "*.team-a.example.com"));
  EXPECT_FALSE(claim_covers("ci.team-a.example.com", "*.team-a.example.com"));
  EXPECT_FALSE(claim_covers("*.team-a.example.com", "a.b.team-a.example.com"));
  EXPECT_TRUE(claim_covers("docker.io", "index.docker.io"));
}

TEST(Policy, PublicRegistriesInEverySpellingAndThroughGlobs) {
  EXPECT_EQ(public_registry_of(claim_key("https://index.docker.io/v1/")), "index.docker.io");
  EXPECT_EQ(public_registry_of("ghcr.io/org"), "ghcr.io");
  EXPECT_EQ(public_registry_of("us.gcr.io/p"), "*.gcr.io");
  EXPECT_EQ(public_registry_of("europe-docker.pkg.dev/proj"), "*.pkg.dev");
  EXPECT_EQ(public_registry_of("*.io"), "ghcr.io");  // a glob reaches what it matches
  EXPECT_EQ(public_registry_of("*.docker.io"), "index.docker.io");
  EXPECT_EQ(public_registry_of("registry.team-a.example.com"), "");
  EXPECT_EQ(public_registry_of("quay.io:5000"), "");  // another port is another registry
}

TEST(Policy, TheAdminsNamespacePublishesAnyKeyNotHeldElsewhere) {
  EXPECT_EQ(verdicts("regcred-system", {"https://index.docker.io/v1/", "ghcr.io"}),
            (std::vector<Verdict>{Verdict::publish, Verdict::publish}));
  EXPECT_EQ(verdicts("regcred-system", {"quay.io/team-a"}, {{"quay.io/team-a", "team-a"}}),
            std::vector<Verdict>{Verdict::claimed_elsewhere});
}

TEST(Policy, ATenantsWrongDockerHubPasswordIsNotPublished) {
  EXPECT_EQ(verdicts("team-a", {"https://index.docker.io/v1/", "docker.io", "ghcr.io", "quay.io"}),
            (std::vector<Verdict>{Verdict::not_claimed, Verdict::not_claimed, Verdict::not_claimed,
                                  Verdict::not_claimed}));
  // Only a registries entry that names the public registry lets it through, never a glob.
  EXPECT_EQ(verdicts("mirror", {"https://index.docker.io/v1/"}),
            std::vector<Verdict>{Verdict::publish});
  EXPECT_EQ(verdicts("team-b", {"us-docker.pkg.dev/proj", "europe-docker.pkg.dev/proj-b"}),
            (std::vector<Verdict>{Verdict::public_registry, Verdict::publish}));
}

TEST(Policy, ANamespaceTheAdminDidNotListPublishesNothing) {
  EXPECT_EQ(verdicts("team-z", {"registry.team-z.example.com"}),
            std::vector<Verdict>{Verdict::namespace_not_listed});
  // Not by choosing a name that sorts first, either.
  EXPECT_EQ(verdicts("aaa", {"registry.team-a.example.com"}),
            std::vector<Verdict>{Verdict::namespace_not_listed});
}

TEST(Policy, AKeyAlreadyPublishedStaysWithItsNamespace) {
  const Claims held = {{"registry.team-a.example.com", "team-a"}};
  EXPECT_EQ(verdicts("team-a", {"registry.team-a.example.com"}, held),
            std::vector<Verdict>{Verdict::publish});
  // team-b may claim registry.team-b.example.com:5000, but another namespace holds it.
  const Claims held_b = {{"registry.team-b.example.com:5000", "team-a"}};
  auto d = decide_keys(policy(), "regcred-system", "team-b",
                       {"https://registry.team-b.example.com:5000/v1/"}, held_b);
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].verdict, Verdict::claimed_elsewhere);
  EXPECT_EQ(d[0].reason, "registry.team-b.example.com:5000 is published from namespace team-a");
  // The policy's own verdict comes first: a namespace that may not claim the key is told so.
  EXPECT_EQ(verdicts("team-b", {"registry.team-a.example.com"}, held),
            std::vector<Verdict>{Verdict::not_claimed});
  EXPECT_EQ(verdicts("tenant", {"registry.team-a.example.com"}, held),
            std::vector<Verdict>{Verdict::namespace_not_listed});
}

TEST(Policy, EachKeyIsDecidedAlone) {
  EXPECT_EQ(verdicts("team-a", {"quay.io/team-a", "quay.io/team-b", "registry.team-a.example.com"}),
            (std::vector<Verdict>{Verdict::publish, Verdict::not_claimed, Verdict::publish}));
}

}  // namespace
}  // namespace regcred::core
