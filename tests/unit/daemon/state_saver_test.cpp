// StateSaver on a fake clock: a save after the changes pause, at most 5 s late in a burst, and
// the copy taken in slices that leave the loop free between them.
#include "daemon/app/state_saver.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_loop.hpp"
#include "tests/support/secrets.hpp"

namespace regcred::daemon {
namespace {

using namespace std::chrono_literals;
using testing::pull_secret;

class StateSaverTest : public ::testing::Test {
 protected:
  void add(int i) {
    store_.upsert(
        "kube",
        pull_secret("ns", "s" + std::to_string(i), "r" + std::to_string(i) + ".example", "u", "p"),
        "kube");
  }
  StateSaver make(StateSaver::Options o) {
    return StateSaver(loop_, store_, o, [this](sync::StateSnapshot s) {
      saved_.push_back(std::move(s));
      saved_at_.push_back(loop_.now());
    });
  }

  testing::FakeLoop loop_;
  sync::Store store_;
  std::vector<sync::StateSnapshot> saved_;
  std::vector<SteadyClock::time_point> saved_at_;
};

TEST_F(StateSaverTest, SavesOnceTheChangesPause) {
  auto saver = make({});
  const auto t0 = loop_.now();
  for (int i = 0; i < 5; ++i) {
    add(i);
    saver.schedule();
    loop_.advance(30ms);
  }
  EXPECT_TRUE(saved_.empty());
  loop_.advance(1s);
  ASSERT_EQ(saved_.size(), 1U);
  EXPECT_EQ(saved_at_[0] - t0, 120ms + 100ms);  // the last change at +120 ms, then 100 ms quiet
  EXPECT_EQ(saved_[0].entries.size(), 5U);
  EXPECT_EQ(saved_[0].generation, store_.generation());
}

TEST_F(StateSaverTest, ABurstIsSavedAtLeastEveryFiveSeconds) {
  auto saver = make({});
  const auto t0 = loop_.now();
  for (int i = 0; i < 120; ++i) {  // a change every 50 ms for 6 s: never quiet
    add(i);
    saver.schedule();
    loop_.advance(50ms);
  }
  ASSERT_GE(saved_.size(), 1U);
  EXPECT_EQ(saved_at_[0] - t0, 5s);
}

TEST_F(StateSaverTest, NothingNewNothingSaved) {
  auto saver = make({});
  add(1);
  saver.save_now();
  loop_.advance(1s);
  ASSERT_EQ(saved_.size(), 1U);
  saver.schedule();
  saver.save_now();
  loop_.advance(1s);
  EXPECT_EQ(saved_.size(), 1U);
  saver.failed();  // the writer could not save it: the same generation goes again
  saver.save_now();
  loop_.advance(1s);
  EXPECT_EQ(saved_.size(), 2U);
}

TEST_F(StateSaverTest, TheCopyIsTakenInSlicesAndAChangeBetweenThemIsSavedNext) {
  for (int i = 0; i < 25; ++i)
    add(i);
  auto saver = make({.slice = 10});
  saver.save_now();
  EXPECT_TRUE(saved_.empty());  // 10 copied; the rest waits for the next turns
  EXPECT_EQ(loop_.posted(), 1U);
  add(100);  // lands between two slices
  saver.schedule();
  loop_.run_ready();
  ASSERT_EQ(saved_.size(), 1U);
  EXPECT_GE(saved_[0].entries.size(), 25U);
  EXPECT_LT(saved_[0].generation, store_.generation());
  loop_.advance(1s);  // the store moved on during the copy: another save follows
  ASSERT_EQ(saved_.size(), 2U);
  EXPECT_EQ(saved_[1].entries.size(), 26U);
  EXPECT_EQ(saved_[1].generation, store_.generation());
}

TEST_F(StateSaverTest, AtOnceSupersedesACopyInSlices) {
  for (int i = 0; i < 25; ++i)
    add(i);
  auto saver = make({.slice = 10});
  saver.save_now();
  saver.save_now(/*at_once=*/true);
  ASSERT_EQ(saved_.size(), 1U);
  EXPECT_EQ(saved_[0].entries.size(), 25U);
  loop_.run_ready();  // the superseded copy's next slice does nothing
  EXPECT_EQ(saved_.size(), 1U);
}

TEST_F(StateSaverTest, WholeCopiesInOneTurn) {
  for (int i = 0; i < 25; ++i)
    add(i);
  auto saver = make({.slice = 10, .whole = true});
  saver.save_now();
  ASSERT_EQ(saved_.size(), 1U);
  EXPECT_EQ(saved_[0].entries.size(), 25U);
}

}  // namespace
}  // namespace regcred::daemon
