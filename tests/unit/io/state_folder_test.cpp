// The state folder in a temp folder: what regcredd saves, the helpers read back, with the
// node-local credentials first, through the lookup index or without it.
#include "common/io/state_folder.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/io/local_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace regcred::io::state_folder {
namespace {

namespace fs = std::filesystem;

core::StoreEntry entry(const std::string& key, const std::string& user, const std::string& ns) {
  core::StoreEntry e;
  e.key = key;
  e.credential = {user, Secret("pw-" + user), {}};
  e.from = {"kube:x", ns, "pull", "uid", "7", ""};
  return e;
}

class StateFolder : public ::testing::Test {
 protected:
  std::string state() const { return (dir_ / "state").string(); }

  testing::TempDir tmp_{"regcred-state"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(StateFolder, NoFolderYetIsAnEmptyStore) {
  auto t = read_table(state(), {});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->empty());
  auto ns = read_namespace_table(state(), "team-a");
  ASSERT_TRUE(ns);
  EXPECT_FALSE(*ns);
}

TEST_F(StateFolder, WhatIsSavedReadsBack) {
  Snapshot snap;
  snap.generation = 3;
  snap.entries = {{"a.example.com", entry("a.example.com", "alice", "team-a")},
                  {"b.example.com", entry("b.example.com", "bob", "team-b")}};
  snap.namespaces = NamespaceTables{{"team-a", core::table_of(snap.entries)}};
  ASSERT_TRUE(save(state(), snap));
  for (auto name : {k_credentials, k_lookup, k_namespaces}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(fs::status(fs::path(state()) / name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  auto all = read_table(state(), {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].key, "a.example.com");
  EXPECT_EQ((*all)[0].credential.password.reveal(), "pw-alice");
  EXPECT_EQ((*all)[0].from, "team-a/pull");
  auto one = read_table(state(), {Filter::registry, "b.example.com"});  // through lookup.idx
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1U);
  EXPECT_EQ(one->front().credential.username, "bob");
  auto ns = read_namespace_table(state(), "team-a");
  ASSERT_TRUE(ns && *ns);
  EXPECT_EQ((*ns)->size(), 2U);
  auto other = read_namespace_table(state(), "team-z");
  ASSERT_TRUE(other && *other);
  EXPECT_TRUE((*other)->empty());
  auto prev = read_previous(state());
  ASSERT_TRUE(prev);
  EXPECT_EQ(prev->size(), 2U);
}

TEST_F(StateFolder, NodeLocalCredentialsComeFirstForRootsHelperOnly) {
  Snapshot snap;
  snap.entries = {{"a.example.com", entry("a.example.com", "alice", "team-a")}};
  ASSERT_TRUE(save(state(), snap));
  ASSERT_TRUE(store_local_credential(state(), {"a.example.com", "local-user", Secret("x")}));
  auto t = read_table(state(), {Filter::registry, "a.example.com"});
  ASSERT_TRUE(t);
  ASSERT_FALSE(t->empty());
  EXPECT_EQ(t->front().credential.username, "local-user");
  // kubelet's provider reads without them: they are root's.
  for (const Filter& f :
       {Filter{Filter::registry, "a.example.com", false},
        Filter{Filter::image, "a.example.com/app", false}, Filter{{}, {}, false}}) {
    auto kubelet = read_table(state(), f);
    ASSERT_TRUE(kubelet);
    ASSERT_EQ(kubelet->size(), 1U);
    EXPECT_EQ(kubelet->front().credential.username, "alice");
  }
  auto erased = erase_local_credential(state(), "a.example.com");
  ASSERT_TRUE(erased && *erased);
  EXPECT_EQ(read_table(state(), {Filter::registry, "a.example.com"})->front().credential.username,
            "alice");
  auto again = erase_local_credential(state(), "a.example.com");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

}  // namespace
}  // namespace regcred::io::state_folder
