#include "daemon/sync/sink.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "daemon/sync/state.hpp"
#include "daemon/sync/store.hpp"
#include "tests/support/secrets.hpp"

namespace regcred::sync {
namespace {

using testing::pull_secret;

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

// A purge removes the records and keeps the files: after a reinstall, the entries that are
// exactly what the daemon writes for the current secrets are its own again, and rotate.
TEST(Sink, AnEntryExactlyAsItWouldWriteIsAdoptedWhenTheRecordsAreLost) {
  std::map<std::string, StoreEntry> desired = {{"r.example", entry("r.example", "u", "p1")}};
  auto first = plan_sink(std::nullopt, {}, desired);
  ASSERT_TRUE(first);
  auto adopted = plan_sink(first->text, {}, desired);
  ASSERT_TRUE(adopted);
  EXPECT_TRUE(adopted->conflicts.empty());
  EXPECT_FALSE(adopted->changed);
  EXPECT_EQ(adopted->owned, first->owned);
  desired["r.example"] = entry("r.example", "u", "p2");
  auto rotated = plan_sink(first->text, adopted->owned, desired);
  ASSERT_TRUE(rotated);
  EXPECT_TRUE(rotated->conflicts.empty());
  EXPECT_EQ(core::DockerConfig::parse(rotated->text)->find("r.example")->auth.reveal(),
            core::encode_auth("u", Secret("p2")).reveal());
  // An unrecorded entry that differs in anything (an older password) stays the user's.
  auto older = plan_sink(first->text, {}, desired);
  ASSERT_TRUE(older);
  EXPECT_EQ(older->conflicts, std::vector<std::string>{"r.example"});
  EXPECT_FALSE(older->changed);
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

// The user name of `key`'s entry in the file at `path` ("" when it has none).
std::string user_in(const std::string& path, const std::string& key) {
  auto cfg = core::DockerConfig::parse(read_text(path));
  if (!cfg) return "";
  for (const auto& e : cfg->auths()) {
    if (e.key != key) continue;
    auto c = core::entry_credential_docker(e);
    return c ? c->username : "";
  }
  return "";
}

// Root's docker login on the node: its credential reaches root's own docker config files, not
// kubelet's nor another user's, unless the admin makes node-local credentials node-wide.
TEST(Sink, NodeLocalCredentialsReachOnlyRootsOwnDockerFilesByDefault) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root: a folder of another user's";
  char tmpl[] = "/tmp/regcred-sink-test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string user_dir = dir + "/nobody";
  ASSERT_EQ(::mkdir(user_dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(user_dir.c_str(), 65534, 65534), 0);
  FileSink root_file(dir + "/root.json", "docker");
  FileSink kubelet(dir + "/kubelet.json", "kubelet");
  FileSink user_file(user_dir + "/config.json", "docker");
  std::map<std::string, OwnedKeys> owned;
  std::uint64_t seen = 0;
  auto sync_all = [&](Store& st) {  // as FileSync does: the changed keys only, when it can
    const Desired d{st.view().entries, st.with_local()};
    const auto changed = st.changed_since(seen);
    for (FileSink* f : {&root_file, &kubelet, &user_file}) {
      ASSERT_TRUE(f->sync(d, changed, owned[f->path()], [](const OwnedKeys&, const OwnedKeys&) {
        return ok();
      })) << f->status().error;
    }
    seen = st.generation();
    st.forget_changes_through(seen);
  };
  Store st;
  st.upsert("kube", pull_secret("team-a", "pull", "r.example", "cluster", "pc"), "kube");
  sync_all(st);
  auto local = core::DockerConfig::parse(
      R"({"auths":{"r.example":{"auth":"cm9vdDpwcg=="},"own.example":{"auth":"cm9vdDpwbw=="}}})");
  ASSERT_TRUE(local.has_value());
  st.set_local(*local);  // a docker login while regcredd runs
  sync_all(st);
  EXPECT_EQ(user_in(root_file.path(), "r.example"), "root");
  EXPECT_EQ(user_in(root_file.path(), "own.example"), "root");
  for (FileSink* f : {&kubelet, &user_file}) {
    SCOPED_TRACE(f->path());
    EXPECT_EQ(user_in(f->path(), "r.example"), "cluster");
    EXPECT_EQ(user_in(f->path(), "own.example"), "");
  }
  st.set_local_node_wide(true);
  sync_all(st);
  for (FileSink* f : {&root_file, &kubelet, &user_file}) {
    SCOPED_TRACE(f->path());
    EXPECT_EQ(user_in(f->path(), "r.example"), "root");
    EXPECT_EQ(user_in(f->path(), "own.example"), "root");
  }
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
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
    ASSERT_TRUE(a.sync({view.entries, view.entries}, changed, a_owned, record)) << a.status().error;
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

}  // namespace
}  // namespace regcred::sync
