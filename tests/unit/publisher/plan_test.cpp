// What the publisher publishes: one object per source secret with only the keys the policy
// allows, keys already published staying with their namespace, the tenants' attacks refused.
#include "publisher/plan/plan.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "common/core/go/encoding.hpp"

namespace regcred::publisher {
namespace {

constexpr std::string_view k_ns = "regcred-system";

core::Policy policy() {
  auto p = core::parse_policy(R"(
publishers:
  - namespace: team-a
    registries: [registry.example.com, docker.io]
  - namespace: team-b
    registries: [registry.example.com, b.example.com]
maxSecretsPerNamespace: 2
)");
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

std::string auth_entry(const std::string& user) {
  return "{\"username\":\"" + user + "\",\"password\":\"pw-" + user + "\"}";
}

core::SecretManifest secret(std::string ns, std::string name,
                            const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string payload = "{\"auths\":{";
  for (std::size_t i = 0; i < entries.size(); ++i)
    payload += (i ? "," : "") + std::string("\"") + entries[i].first +
               "\":" + auth_entry(entries[i].second);
  payload += "}}";
  core::SecretManifest s;
  s.namespace_ = std::move(ns);
  s.name = std::move(name);
  s.uid = s.namespace_ + "-" + s.name + "-uid";
  s.resource_version = "7";
  s.type = std::string(core::k_type_dockerconfigjson);
  core::set_secret_data(
      s, {{std::string(core::k_key_dockerconfigjson), core::base64_encode(payload)}}, {});
  return s;
}

// What make_plan published, as the writer would put it, read back as a published object.
core::SecretManifest as_published(const Published& p) {
  core::SecretManifest s;
  s.namespace_ = std::string(k_ns);
  s.name = p.name;
  s.type = std::string(core::k_type_dockerconfigjson);
  core::set_secret_data(
      s, {{std::string(core::k_key_dockerconfigjson), core::base64_encode(p.payload)}}, {});
  return s;
}

const Published* find(const Plan& plan, std::string_view name) {
  for (const auto& p : plan.publish) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<core::Verdict> refused(const Plan& plan, std::string_view ns) {
  std::vector<core::Verdict> out;
  for (const auto& r : plan.refusals) {
    if (r.ns == ns) out.push_back(r.verdict);
  }
  return out;
}

TEST(Plan, PublishesOnlyTheAllowedKeysWithTheirOrigin) {
  const auto plan = make_plan(
      policy(), k_ns,
      {secret("team-a", "pull", {{"registry.example.com", "a"}, {"evil.example.com", "x"}})}, {});
  ASSERT_EQ(plan.publish.size(), 1U);
  const auto& p = plan.publish[0];
  EXPECT_EQ(p.name, "team-a.pull");
  EXPECT_EQ(p.origin_ns, "team-a");
  EXPECT_EQ(p.origin_uid, "team-a-pull-uid");
  EXPECT_EQ(p.keys, std::vector<std::string>{"registry.example.com"});
  EXPECT_EQ(p.payload, R"({"auths":{"registry.example.com":{"username":"a","password":"pw-a"}}})");
  EXPECT_EQ(refused(plan, "team-a"), std::vector{core::Verdict::not_claimed});
  EXPECT_EQ(origin_of(p.name), (std::pair<std::string, std::string>{"team-a", "pull"}));
}

TEST(Plan, UnlistedNamespacesAndDockerHubWithoutClaimPublishNothing) {
  const auto plan = make_plan(policy(), k_ns,
                              {secret("tenant", "hub", {{"https://index.docker.io/v1/", "t"}}),
                               secret("team-b", "hub", {{"docker.io", "b"}})},
                              {});
  EXPECT_TRUE(plan.publish.empty());
  EXPECT_EQ(refused(plan, "tenant"), std::vector{core::Verdict::namespace_not_listed});
  EXPECT_EQ(refused(plan, "team-b"), std::vector{core::Verdict::not_claimed});
}

TEST(Plan, AKeyAlreadyPublishedStaysWithItsNamespaceWhateverTheNames) {
  // team-b sorts after team-a; team-a comes second and is refused all the same.
  const auto b = secret("team-b", "reg", {{"registry.example.com", "b"}});
  const auto first = make_plan(policy(), k_ns, {b}, {});
  ASSERT_EQ(first.publish.size(), 1U);
  const auto a = secret("team-a", "reg", {{"registry.example.com", "a"}});
  const auto second = make_plan(policy(), k_ns, {a, b}, {as_published(first.publish[0])});
  ASSERT_EQ(second.publish.size(), 1U);
  EXPECT_EQ(second.publish[0].name, "team-b.reg");
  ASSERT_EQ(refused(second, "team-a"), std::vector{core::Verdict::claimed_elsewhere});
  EXPECT_NE(second.refusals[0].reason.find("team-b"), std::string::npos);
  EXPECT_EQ(second.claims.at("registry.example.com"), std::set<std::string>{"team-b"});
}

TEST(Plan, TwoNewcomersForOneKeyGetNeither) {
  const auto plan = make_plan(policy(), k_ns,
                              {secret("team-a", "reg", {{"registry.example.com", "a"}}),
                               secret("team-b", "reg", {{"registry.example.com", "b"}})},
                              {});
  EXPECT_TRUE(plan.publish.empty());
  EXPECT_EQ(refused(plan, "team-a"), std::vector{core::Verdict::claimed_elsewhere});
  EXPECT_EQ(refused(plan, "team-b"), std::vector{core::Verdict::claimed_elsewhere});
}

TEST(Plan, AKeyIsReleasedWhenItsSecretDropsIt) {
  const auto b = secret("team-b", "reg", {{"registry.example.com", "b"}});
  const auto first = make_plan(policy(), k_ns, {b}, {});
  const auto b2 = secret("team-b", "reg", {{"b.example.com", "b"}});
  const auto a = secret("team-a", "reg", {{"registry.example.com", "a"}});
  const auto second = make_plan(policy(), k_ns, {a, b2}, {as_published(first.publish[0])});
  ASSERT_NE(find(second, "team-a.reg"), nullptr);
  ASSERT_NE(find(second, "team-b.reg"), nullptr);
  EXPECT_EQ(find(second, "team-b.reg")->keys, std::vector<std::string>{"b.example.com"});
}

TEST(Plan, ABrokenSecretIsRefusedAloneAndOthersStay) {
  auto broken = secret("team-a", "broken", {});
  core::set_secret_data(broken, {{std::string(core::k_key_dockerconfigjson), "bm90IGpzb24="}}, {});
  const auto good = secret("team-b", "reg", {{"b.example.com", "b"}});
  const auto plan = make_plan(policy(), k_ns, {broken, good}, {});
  ASSERT_EQ(plan.publish.size(), 1U);
  EXPECT_EQ(plan.publish[0].name, "team-b.reg");
  ASSERT_EQ(refused(plan, "team-a"), std::vector{core::Verdict::unreadable});
  EXPECT_TRUE(plan.refusals[0].key.empty());
}

TEST(Plan, ASecretRegcreddWouldRejectIsRefusedWhole) {
  // One entry kubelet cannot decode, one good: nodes would reject the secret (and turn their
  // condition False), so none of it is published.
  auto s = secret("team-a", "mixed", {});
  core::set_secret_data(
      s,
      {{std::string(core::k_key_dockerconfigjson),
        core::base64_encode(
            R"({"auths":{"registry.example.com":{"auth":"%%%"},"docker.io":{"username":"u","password":"p"}}})")}},
      {});
  const auto plan = make_plan(policy(), k_ns, {s}, {});
  EXPECT_TRUE(plan.publish.empty());
  ASSERT_EQ(refused(plan, "team-a"), std::vector{core::Verdict::unreadable});
  EXPECT_NE(plan.refusals[0].reason.find("registry.example.com"), std::string::npos);
  EXPECT_EQ(plan.refusals[0].reason.find("%%%"), std::string::npos);
}

TEST(Plan, AFloodPastTheBoundPublishesNoneOfTheNewcomers) {
  const auto first =
      make_plan(policy(), k_ns, {secret("team-b", "s0", {{"b.example.com", "b"}})}, {});
  ASSERT_EQ(first.publish.size(), 1U);
  std::vector<core::SecretManifest> flood{secret("team-b", "s0", {{"b.example.com", "b"}})};
  for (int i = 1; i <= 5; ++i)
    flood.push_back(secret("team-b", "s" + std::to_string(i), {{"b.example.com", "b"}}));
  // A secret with nothing to publish is refused for its own reason, not counted in the bound.
  flood.push_back(secret("team-b", "other", {{"evil.example.com", "b"}}));
  const auto plan = make_plan(policy(), k_ns, flood, {as_published(first.publish[0])});
  ASSERT_EQ(plan.publish.size(), 1U);
  EXPECT_EQ(plan.publish[0].name, "team-b.s0");
  std::vector<core::Verdict> want(5, core::Verdict::too_many_secrets);
  want.push_back(core::Verdict::not_claimed);
  auto got = refused(plan, "team-b");
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(Plan, TheAdminsOwnSecretsPublishAnyKeyNotHeldElsewhere) {
  const auto plan = make_plan(policy(), k_ns,
                              {secret(std::string(k_ns), "mirror", {{"docker.io", "admin"}})}, {});
  ASSERT_EQ(plan.publish.size(), 1U);
  EXPECT_EQ(plan.publish[0].name, "regcred-system.mirror");
}

TEST(Plan, ANamespaceScopedNamespaceIsPublishedWholeForItsOwnPods) {
  auto p = core::parse_policy(R"(
publishers:
  - namespace: team-a
    registries: [registry.example.com]
namespaceScoped: [team-c]
)");
  ASSERT_TRUE(p) << p.error().message;
  const auto plan =
      make_plan(*p, k_ns,
                {secret("team-c", "pull", {{"registry.example.com", "c"}, {"docker.io", "c"}}),
                 secret("team-a", "reg", {{"registry.example.com", "a"}})},
                {});
  ASSERT_EQ(plan.publish.size(), 2U);
  const auto* c = find(plan, "team-c.pull");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->serves_namespace, "team-c");
  EXPECT_EQ(c->keys.size(), 2U);  // every key, Docker Hub's too: only team-c's pods get them
  EXPECT_EQ(find(plan, "team-a.reg")->serves_namespace, "");
  // It claims nothing: team-a keeps registry.example.com node-wide.
  EXPECT_EQ(plan.claims.at("registry.example.com"), std::set<std::string>{"team-a"});
  EXPECT_TRUE(plan.refusals.empty());
  EXPECT_FALSE(core::parse_policy("publishers: [{namespace: x}]\nnamespaceScoped: [x]\n"));
}

TEST(Plan, NamesTooLongToPublishAreRefused) {
  const auto plan =
      make_plan(policy(), k_ns,
                {secret("team-a", std::string(250, 'x'), {{"registry.example.com", "a"}})}, {});
  EXPECT_TRUE(plan.publish.empty());
  EXPECT_EQ(refused(plan, "team-a"), std::vector{core::Verdict::unreadable});
  EXPECT_EQ(origin_of("no-dot"), (std::pair<std::string, std::string>{}));
}

}  // namespace
}  // namespace regcred::publisher
