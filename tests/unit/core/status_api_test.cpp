// The status answers both sides share: what the daemon encodes, regcredctl decodes back whole.
#include "common/core/status_api.hpp"

#include <gtest/gtest.h>

namespace regcred::core::status_api {
namespace {

Status sample() {
  Status s;
  s.node = "node-1";
  s.ready = true;
  s.synced = true;
  s.started_at = "2026-12-04T20:00:00Z";
  s.last_sync = "2026-12-04T20:00:01Z";
  s.sources = {{"dir:/s", true, "", nlohmann::json{{"name", "dir:/s"}, {"kind", "dir"}}}};
  s.sinks = {{"/k/config.json",
              "kubelet",
              false,
              "Read-only file system",
              3,
              {"x.io"},
              7,
              "2026-12-04T20:00:01Z",
              std::nullopt}};
  s.store = {4, 3, 1, 0, 12, "/var/lib/regcred", ""};
  Provenance p{"kube:x", "team-a", "pull", "uid-1", "42", ""};
  s.registries = {{"quay.io", p, std::string("robot"), {p}}};
  s.secrets = {{"team-a/pull", p, true, {"quay.io"}, {"team-a/pull: bad-auth: ..."}}};
  s.namespace_credentials = true;
  return s;
}

TEST(StatusApi, WhatTheDaemonEncodesDecodesBackWhole) {
  const auto j = to_json(sample());
  auto back = decode_status(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(to_json(*back), j);
  EXPECT_EQ(back->sinks[0].error, "Read-only file system");
  EXPECT_EQ(back->registries[0].username, "robot");
  EXPECT_TRUE(back->secrets[0].rejected);
  EXPECT_EQ(back->secrets[0].source.resource_version, "42");
}

TEST(StatusApi, TheMembersTheContractNames) {
  const auto j = to_json(sample());
  for (const char* m : {"node", "ready", "synced", "waitingFor", "startedAt", "lastSync", "sources",
                        "sinks", "store", "registries", "secrets"})
    EXPECT_TRUE(j.contains(m)) << m;
  EXPECT_EQ(j["secrets"][0]["status"], "rejected");
  EXPECT_EQ(j["store"]["ok"], true);
  EXPECT_EQ(j["sinks"][0]["ok"], false);
  EXPECT_FALSE(j["sinks"][0].contains("lastSync"));
}

TEST(StatusApi, APublishedSecretNamesItsOrigin) {
  auto s = sample();
  s.registries[0].secret = {"kube:x", "regcred-system", "team-a.pull", "uid-2",
                            "43",     "team-a/pull"};
  const auto j = to_json(s);
  EXPECT_EQ(j["registries"][0]["secret"]["origin"], "team-a/pull");
  EXPECT_FALSE(j["secrets"][0]["source"].contains("origin"));  // direct: none
  auto back = decode_status(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->registries[0].secret.origin, "team-a/pull");
}

TEST(StatusApi, NoUsernameForTheUnprivileged) {
  auto s = sample();
  s.registries[0].username.reset();
  EXPECT_FALSE(to_json(s)["registries"][0].contains("username"));
}

TEST(StatusApi, WhatIsNotAStatusIsAnError) {
  EXPECT_FALSE(decode_status(nlohmann::json::array()));
  auto bad = decode_status(nlohmann::json{{"sinks", "no"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sinks"), std::string::npos);
}

TEST(StatusApi, PullTestsRoundTrip) {
  PullTests p;
  p.results["docker.io/library/busybox:latest"] = {{{"class", "ok"}, {"id", 3}}};
  p.running = {{4, "quay.io/a/b:latest"}};
  p.scheduled = {"busybox"};
  p.interval = "600s";
  auto back = decode_pulltests(to_json(p));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(p));
}

}  // namespace
}  // namespace regcred::core::status_api
