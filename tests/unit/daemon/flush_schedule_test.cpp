// FlushSchedule on a fake clock: nothing before the first full sync, a burst coalesced into one
// write at most every 50 ms, a failed write tried again after 5 s.
#include "daemon/app/flush_schedule.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_loop.hpp"

namespace regcred::daemon {
namespace {

using namespace std::chrono_literals;

class FlushScheduleTest : public ::testing::Test {
 protected:
  testing::FakeLoop loop_;
  std::vector<SteadyClock::time_point> flushes_;
  FlushSchedule schedule_{loop_, [this] { flushes_.push_back(loop_.now()); }, {}};
};

TEST_F(FlushScheduleTest, NothingIsWrittenBeforeTheFirstFullSync) {
  schedule_.request();
  loop_.advance(10s);
  EXPECT_TRUE(flushes_.empty());
  schedule_.enable();
  schedule_.request();
  loop_.advance(0ms);
  EXPECT_EQ(flushes_.size(), 1U);
}

TEST_F(FlushScheduleTest, AChangeAfterAQuietSpellIsWrittenAtOnce) {
  schedule_.enable();
  loop_.advance(1s);
  const auto t0 = loop_.now();
  schedule_.request();
  loop_.advance(0ms);
  ASSERT_EQ(flushes_.size(), 1U);
  EXPECT_EQ(flushes_[0], t0);
}

TEST_F(FlushScheduleTest, ABurstCoalescesIntoOneWriteEvery50ms) {
  schedule_.enable();
  schedule_.request();
  loop_.advance(0ms);
  ASSERT_EQ(flushes_.size(), 1U);
  // 100 changes 1 ms apart: one write at +50 ms for those before it, one at +100 ms.
  for (int i = 0; i < 100; ++i) {
    schedule_.request();
    loop_.advance(1ms);
  }
  loop_.advance(1s);
  ASSERT_EQ(flushes_.size(), 3U);
  EXPECT_EQ(flushes_[1] - flushes_[0], 50ms);
  EXPECT_EQ(flushes_[2] - flushes_[1], 50ms);
}

TEST_F(FlushScheduleTest, AFailedWriteIsTriedAgainAfterFiveSeconds) {
  schedule_.enable();
  schedule_.request();
  loop_.advance(0ms);
  schedule_.retry_later();
  loop_.advance(4999ms);
  EXPECT_EQ(flushes_.size(), 1U);
  loop_.advance(1ms);
  EXPECT_EQ(flushes_.size(), 2U);
}

TEST_F(FlushScheduleTest, ARetryDoesNotPushBackAWriteAlreadyDue) {
  schedule_.enable();
  schedule_.request();
  EXPECT_TRUE(schedule_.pending());
  schedule_.retry_later();
  loop_.advance(0ms);
  EXPECT_EQ(flushes_.size(), 1U);
}

TEST_F(FlushScheduleTest, NothingRunsAfterStop) {
  schedule_.enable();
  schedule_.request();
  schedule_.stop();
  schedule_.request();
  schedule_.retry_later();
  loop_.advance(10s);
  EXPECT_TRUE(flushes_.empty());
}

}  // namespace
}  // namespace regcred::daemon
