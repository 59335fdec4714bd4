#include "daemon/sync/store.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "common/core/encoding.hpp"
#include "common/core/label_selector.hpp"
#include "daemon/sync/sink.hpp"
#include "daemon/sync/state.hpp"

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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A watch event re-renders only the entries of the keys it touched; the file it writes must be
// the very file a whole merge writes, byte for byte, with the same ownership record, through
// additions, changes, removals, conflicts and a file a user edited in between.
TEST(Sink, ReRenderingTheChangedKeysWritesWhatAWholeMergeWrites) {
  char tmpl[] = "/tmp/regcred-sink-test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string user_file =
      R"({"credsStore":"pass","auths":{"mine.example":{"auth":"bWU6bXk="},)"
      R"("r1.example":{"auth":"dXNlcjpwdw=="}},"proxies":{}})";
  const std::string a_path = dir + "/a.json";  // synced with the changed keys
  const std::string b_path = dir + "/b.json";  // merged whole every time
  write_text(a_path, user_file);
  write_text(b_path, user_file);
  FileSink a(a_path, "docker");
  OwnedKeys a_owned;
  OwnedKeys b_owned;
  SinkJournal journal(dir + "/state");
  auto record = [&](const OwnedKeys& added, const OwnedKeys& removed) {
    return journal.append(a_path, added, removed);
  };
  std::mt19937 rng(3);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Store st;
  std::uint64_t seen = 0;
  int whole_merges = 0;
  for (int step = 0; step < 150; ++step) {
    SCOPED_TRACE(step);
    const std::string name = "s" + std::to_string(pick(6));
    if (pick(5) == 0) {
      st.remove("kube", "ns", name);
    } else {
      st.upsert("kube",
                pull_secret("ns", name, "r" + std::to_string(pick(5)) + ".example", "u",
                            "p" + std::to_string(pick(3))),
                "kube");
    }
    if (step == 60 || step == 100) {
      // A user (docker login) rewrites both files the same way: a new entry of theirs, and at
      // step 100 one of ours edited, which makes it theirs.
      for (const auto& path : {a_path, b_path}) {
        auto cfg = core::DockerConfig::parse(read_text(path));
        ASSERT_TRUE(cfg.has_value());
        core::AuthEntry e;
        e.key = "login" + std::to_string(step) + ".example";
        e.auth = Secret("bG9naW46cHc=");
        cfg->set(e);
        if (step == 100 && !cfg->auths().empty()) {
          for (const auto& x : cfg->auths()) {
            if (x.key.starts_with("r")) {
              core::AuthEntry edited = x;
              edited.auth = Secret("ZWRpdDpwdw==");
              cfg->set(edited);
              break;
            }
          }
        }
        write_text(path, cfg->serialize());
      }
    }
    const auto& view = st.view();
    const auto changed = st.changed_since(seen);
    if (!changed) ++whole_merges;
    ASSERT_TRUE(a.sync(view.entries, changed, a_owned, record)) << a.status().error;
    seen = st.generation();
    st.forget_changes_through(seen);

    auto plan = plan_sink(read_text(b_path), b_owned, view.entries);
    ASSERT_TRUE(plan.has_value());
    if (plan->changed) write_text(b_path, plan->text);
    b_owned = plan->owned;
    ASSERT_EQ(read_text(a_path), read_text(b_path));
    ASSERT_EQ(a_owned, b_owned);
    EXPECT_EQ(a.status().conflicts, plan->conflicts);
    EXPECT_EQ(a.status().managed, plan->managed);
  }
  EXPECT_EQ(whole_merges, 1);  // only the first sync, before the store had a view
  // What the journal recorded reads back as the record the sink kept.
  auto loaded = SinkJournal(dir + "/state").load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ((*loaded)[a_path], a_owned);
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
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
