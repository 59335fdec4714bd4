#include "daemon/sync/store.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "common/core/label_selector.hpp"
#include "tests/support/secrets.hpp"

namespace regcred::sync {
namespace {

using testing::pull_secret;

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

TEST(Store, NodeLocalCredentialsAreRootsUnlessNodeWide) {
  Store st;
  st.upsert("kube", pull_secret("team-a", "pull", "r.example", "cluster", "pc"), "kube");
  auto local = core::DockerConfig::parse(
      R"({"auths":{"r.example":{"auth":"cm9vdDpwcg=="},"own.example":{"auth":"cm9vdDpwbw=="}}})");
  ASSERT_TRUE(local.has_value());
  st.set_local(*local);
  // The node-wide view (kubelet, other users, the provider) has the cluster's only.
  ASSERT_EQ(st.view().entries.size(), 1U);
  EXPECT_EQ(st.view().entries.at("r.example").credential.username, "cluster");
  EXPECT_EQ(st.table().size(), 1U);
  // Root's: the node-local ones over them, the secret they hide shadowed.
  const auto& root = st.with_local();
  ASSERT_EQ(root.size(), 2U);
  EXPECT_EQ(root.at("r.example").credential.username, "root");
  EXPECT_EQ(root.at("r.example").from.source, "local");
  ASSERT_EQ(root.at("r.example").shadowed.size(), 1U);
  EXPECT_EQ(root.at("r.example").shadowed[0].display(), "team-a/pull");
  EXPECT_EQ(st.table_with_local().size(), 2U);
  // Node-wide: in the view itself, ranked first.
  st.set_local_node_wide(true);
  ASSERT_EQ(st.view().entries.size(), 2U);
  EXPECT_EQ(st.view().entries.at("r.example").credential.username, "root");
  EXPECT_EQ(&st.with_local(), &st.view().entries);
  // Erased: gone from both.
  st.set_local_node_wide(false);
  st.set_local(core::DockerConfig{});
  EXPECT_EQ(st.with_local().size(), 1U);
  EXPECT_EQ(st.with_local().at("r.example").credential.username, "cluster");
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
  std::vector<SecretReport> reports;
  st.each_report([&](const SecretReport& r, const auto&) { reports.push_back(r); });
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_EQ(reports[0].from.display(), "ns/bad");
  ASSERT_FALSE(reports[0].problems.empty());
  EXPECT_NE(reports[0].problems[0].find("bad-auth"), std::string::npos);
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
  std::vector<SecretReport> reports;
  st.each_report([&](const SecretReport& r, const auto&) { reports.push_back(r); });
  ASSERT_EQ(reports.size(), 1U);
  ASSERT_FALSE(reports[0].problems.empty());
  EXPECT_NE(reports[0].problems[0].find("not-compact"), std::string::npos);
}

// What a user sees of the view: the winner, its credential and provenance, the losers, the counts.
std::string describe(const Store::View& v) {
  std::string out =
      "rejected=" + std::to_string(v.rejected) + " shadowed=" + std::to_string(v.shadowed) + "\n";
  for (const auto& [key, e] : v.entries) {
    out += key + " " + e.credential.username + ":" + e.credential.password.reveal() + " from " +
           e.from.display() + " (" + e.from.source + ")";
    for (const auto& p : e.shadowed)
      out += " over " + p.display();
    out += "\n";
  }
  return out;
}

TEST(Store, WatchEventsUpdateTheViewAsARebuildWouldAndNameTheKeysTheyTouched) {
  // Random upserts and removals on a few secrets sharing a few registries (some secrets
  // rejected, some not opted in); after each, the incremental view must read exactly as a store
  // fed the same secrets in one replace, and every key whose entry changed must be named.
  std::mt19937 rng(8);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Store st;
  ASSERT_TRUE(st.view().entries.empty());
  st.set_node_selector(*core::LabelSelector::parse("sync!=false"));
  std::map<std::string, core::SecretManifest> live;  // "ns/name" -> what the store holds
  std::uint64_t seen = st.generation();
  std::string before = describe(st.view());
  for (int step = 0; step < 400; ++step) {
    SCOPED_TRACE(step);
    std::string ns = "ns" + std::to_string(pick(3));
    std::string name = "s" + std::to_string(pick(4));
    if (pick(4) == 0) {
      st.remove("kube", ns, name);
      live.erase(ns + "/" + name);
    } else {
      auto s = pull_secret(ns, name, "r" + std::to_string(pick(3)) + ".example",
                           "u" + std::to_string(step), "p" + std::to_string(step));
      if (pick(5) == 0) {
        s.data[std::string(core::k_key_dockerconfigjson)] =
            Secret(R"({"auths":{"r0.example":{"auth":"!!!"}}})");
      }
      if (pick(5) == 0) s.labels["sync"] = "false";
      st.upsert("kube", s, "kube");
      live[ns + "/" + name] = s;
    }
    Store whole;
    whole.set_node_selector(*core::LabelSelector::parse("sync!=false"));
    std::vector<core::SecretManifest> all;
    for (const auto& [k, s] : live)
      all.push_back(s);
    whole.replace("kube", all, "kube");
    const std::string now = describe(st.view());
    ASSERT_EQ(now, describe(whole.view()));

    auto changed = st.changed_since(seen);
    ASSERT_TRUE(changed.has_value());
    std::set<std::string> named(changed->begin(), changed->end());
    std::map<std::string, std::string> old_lines, new_lines;
    auto lines = [](const std::string& text, std::map<std::string, std::string>& out) {
      std::istringstream in(text);
      std::string line;
      std::getline(in, line);  // the counts
      while (std::getline(in, line))
        out[line.substr(0, line.find(' '))] = line;
    };
    lines(before, old_lines);
    lines(now, new_lines);
    for (const auto& [key, line] : new_lines) {
      if (old_lines[key] != line) {
        EXPECT_TRUE(named.contains(key)) << key;
      }
    }
    for (const auto& [key, line] : old_lines) {
      if (!new_lines.contains(key)) {
        EXPECT_TRUE(named.contains(key)) << key;
      }
    }
    if (step % 7 == 0) {
      // A reader that is up to date lets the record go.
      st.forget_changes_through(st.generation());
      seen = st.generation();
      before = now;
      EXPECT_EQ(st.changed_since(seen)->size(), 0U);
    }
  }
  // A replace rebuilds whole: the record does not reach back across it.
  st.replace("kube", {}, "kube");
  EXPECT_FALSE(st.changed_since(seen).has_value());
  EXPECT_TRUE(st.view().entries.empty());
}

}  // namespace
}  // namespace regcred::sync
