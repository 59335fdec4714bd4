#include "daemon/sync/store.hpp"

#include <gtest/gtest.h>

#include "common/core/encoding.hpp"
#include "common/core/label_selector.hpp"
#include "daemon/sync/sink.hpp"

namespace regcred::sync {
namespace {

core::SecretManifest pull_secret(std::string ns, std::string name, std::string registry,
                                 std::string user, std::string pw) {
  core::SecretManifest s;
  s.namespace_ = std::move(ns);
  s.name = std::move(name);
  s.type = std::string(core::k_type_dockerconfigjson);
  std::string auth = core::base64_encode(user + ":" + pw);
  s.data[std::string(core::k_key_dockerconfigjson)] =
      Secret("{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
  return s;
}

TEST(Store, PrecedenceIsNamespaceThenNameWhateverTheOrderOfArrival) {
  for (bool reversed : {false, true}) {
    SCOPED_TRACE(reversed);
    Store st;
    auto a = pull_secret("team-a", "z", "r.example", "a", "pa");
    auto b = pull_secret("team-b", "a", "r.example", "b", "pb");
    if (reversed) {
      st.upsert("s", b, "src");
      st.upsert("s", a, "src");
    } else {
      st.upsert("s", a, "src");
      st.upsert("s", b, "src");
    }
    const auto& v = st.view();
    ASSERT_EQ(v.entries.size(), 1U);
    EXPECT_EQ(v.entries.at("r.example").from.display(), "team-a/z");
    ASSERT_EQ(v.entries.at("r.example").shadowed.size(), 1U);
    EXPECT_EQ(v.entries.at("r.example").shadowed[0].display(), "team-b/a");
    EXPECT_EQ(v.shadowed, 1U);
  }
}

TEST(Store, ARejectedSecretGivesNoEntryAndKeepsItsReason) {
  Store st;
  auto bad = pull_secret("ns", "bad", "bad.example", "u", "p");
  bad.data[std::string(core::k_key_dockerconfigjson)] =
      Secret(R"({"auths":{"bad.example":{"auth":"!!!"}}})");
  st.upsert("s", bad, "src");
  st.upsert("s", pull_secret("ns", "good", "good.example", "u", "p"), "src");
  const auto& v = st.view();
  EXPECT_FALSE(v.entries.contains("bad.example"));
  EXPECT_TRUE(v.entries.contains("good.example"));
  EXPECT_EQ(v.rejected, 1U);
  ASSERT_FALSE(v.secrets[0].problems.empty());
  EXPECT_NE(v.secrets[0].problems[0].find("bad-auth"), std::string::npos);
}

TEST(Store, ReplaceSwapsAStreamInOneStepAndLeavesOthers) {
  Store st;
  st.replace(
      "kube",
      {pull_secret("a", "x", "x.example", "u", "p"), pull_secret("a", "y", "y.example", "u", "p")},
      "kube");
  st.upsert("dir", pull_secret("a", "d", "d.example", "u", "p"), "dir");
  st.replace("kube", {pull_secret("a", "y", "y.example", "u", "p2")}, "kube");
  const auto& v = st.view();
  EXPECT_FALSE(v.entries.contains("x.example"));
  EXPECT_EQ(v.entries.at("y.example").credential.password.reveal(), "p2");
  EXPECT_TRUE(v.entries.contains("d.example"));
  st.remove("kube", "a", "y");
  EXPECT_FALSE(st.view().entries.contains("y.example"));
}

TEST(Store, NotCompactIsAWarningNotARejection) {
  Store st;
  auto s = pull_secret("ns", "pretty", "p.example", "u", "p");
  std::string auth = core::base64_encode("u:p");
  s.data[std::string(core::k_key_dockerconfigjson)] =
      Secret("{\n  \"auths\": {\"p.example\": {\"auth\": \"" + auth + "\"}}\n}\n");
  st.upsert("s", s, "src");
  const auto& v = st.view();
  EXPECT_TRUE(v.entries.contains("p.example"));
  EXPECT_EQ(v.rejected, 0U);
  ASSERT_FALSE(v.secrets[0].problems.empty());
  EXPECT_NE(v.secrets[0].problems[0].find("not-compact"), std::string::npos);
}

StoreEntry entry(std::string key, std::string user, std::string pw) {
  StoreEntry e;
  e.key = key;
  e.credential.username = std::move(user);
  e.credential.password = Secret(std::move(pw));
  return e;
}

TEST(Sink, KeepsUsersEntriesAndKeysReportsConflictsRemovesOnlyItsOwn) {
  std::string user_file = R"({"auths":{"mine.example":{"auth":"bWU6bXk="},)"
                          R"("clash.example":{"auth":"bWU6bXk="}},"credsStore":"pass"})";
  std::map<std::string, StoreEntry> desired = {{"ours.example", entry("ours.example", "u", "p")},
                                               {"clash.example", entry("clash.example", "u", "p")}};
  auto plan = plan_sink(user_file, {}, desired);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->changed);
  EXPECT_EQ(plan->conflicts, std::vector<std::string>{"clash.example"});
  auto written = core::DockerConfig::parse(plan->text);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->find("clash.example")->auth.reveal(), "bWU6bXk=");
  EXPECT_NE(written->find("ours.example"), nullptr);
  EXPECT_EQ(written->root().at("credsStore"), "pass");

  // The secret goes: our entry goes, the user's stay.
  auto plan2 = plan_sink(plan->text, plan->owned, {});
  ASSERT_TRUE(plan2);
  auto after = core::DockerConfig::parse(plan2->text);
  EXPECT_EQ(after->find("ours.example"), nullptr);
  EXPECT_NE(after->find("mine.example"), nullptr);
  EXPECT_NE(after->find("clash.example"), nullptr);
}

TEST(Sink, AnEntryTheUserEditedIsTheUsersNow) {
  std::map<std::string, StoreEntry> desired = {{"r.example", entry("r.example", "u", "p")}};
  auto plan = plan_sink(std::nullopt, {}, desired);
  ASSERT_TRUE(plan);
  std::string edited = R"({"auths":{"r.example":{"auth":"ZWQ6aXQ="}}})";
  auto plan2 = plan_sink(edited, plan->owned, {});
  ASSERT_TRUE(plan2);
  EXPECT_NE(core::DockerConfig::parse(plan2->text)->find("r.example"), nullptr);
  auto plan3 = plan_sink(edited, plan->owned, desired);
  EXPECT_EQ(plan3->conflicts, std::vector<std::string>{"r.example"});
}

TEST(Sink, NoChangeNoWriteAndABrokenFileIsNotRewritten) {
  std::map<std::string, StoreEntry> desired = {{"r.example", entry("r.example", "u", "p")}};
  auto plan = plan_sink(std::nullopt, {}, desired);
  auto again = plan_sink(plan->text, plan->owned, desired);
  EXPECT_FALSE(again->changed);
  EXPECT_FALSE(plan_sink(std::string("{not json"), {}, desired));
}

TEST(LabelSelector, KubernetesForms) {
  std::map<std::string, std::string> l = {{"regcred.io/sync", "true"}, {"tier", "web"}};
  auto yes = [&](const char* s) {
    auto sel = core::LabelSelector::parse(s);
    EXPECT_TRUE(sel) << s;
    return sel && sel->matches(l);
  };
  EXPECT_TRUE(yes(""));
  EXPECT_TRUE(yes("regcred.io/sync=true"));
  EXPECT_TRUE(yes("regcred.io/sync==true,tier"));
  EXPECT_FALSE(yes("regcred.io/sync!=true"));
  EXPECT_TRUE(yes("tier in (web, api)"));
  EXPECT_FALSE(yes("tier notin (web)"));
  EXPECT_TRUE(yes("!missing"));
  EXPECT_FALSE(yes("missing"));
  EXPECT_FALSE(core::LabelSelector::parse("tier in (web"));
}

}  // namespace
}  // namespace regcred::sync
