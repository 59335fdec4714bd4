// client-go's leader election rules: who may take or renew, and the record written.
#include "publisher/election/lease.hpp"

#include <gtest/gtest.h>

namespace regcred::publisher {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

LeaseRecord held_by(std::string holder, int duration = 15) {
  return {std::move(holder),
          duration,
          "2026-01-01T00:00:00.000000Z",
          "2026-01-01T00:00:10.000000Z",
          3,
          "42"};
}

TEST(Lease, AnotherHoldersLeaseIsValidForItsDurationFromWhenItWasSeen) {
  const auto seen = steady::now();
  const Observed o{held_by("b"), seen};
  EXPECT_EQ(next_step(o, "a", seen + 14s), Step::wait);
  EXPECT_EQ(next_step(o, "a", seen + 15s), Step::take);
}

TEST(Lease, OurOwnIsRenewedAndAReleasedOneTakenAtOnce) {
  const auto seen = steady::now();
  EXPECT_EQ(next_step({held_by("a"), seen}, "a", seen), Step::renew);
  EXPECT_EQ(next_step({held_by(""), seen}, "a", seen), Step::take);
  EXPECT_EQ(next_step({released_record(held_by("b"), "t"), seen}, "a", seen + 1s), Step::take);
}

TEST(Lease, ARenewalKeepsTheTermAndATakeCountsATransition) {
  const auto renewed = next_record(held_by("a"), Step::renew, "a", 15, "NOW");
  EXPECT_EQ(renewed.acquire_time, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(renewed.renew_time, "NOW");
  EXPECT_EQ(renewed.transitions, 3);
  EXPECT_EQ(renewed.resource_version, "42");
  const auto taken = next_record(held_by("b"), Step::take, "a", 15, "NOW");
  EXPECT_EQ(taken.holder, "a");
  EXPECT_EQ(taken.acquire_time, "NOW");
  EXPECT_EQ(taken.transitions, 4);
  EXPECT_EQ(next_record({}, Step::take, "a", 15, "NOW").transitions, 0);
}

TEST(Lease, TheObjectRoundTrips) {
  const auto text = encode_lease("regcred-system", "regcred-publisher", held_by("a"));
  auto back = decode_lease(R"({"kind":"Lease","metadata":{"resourceVersion":"42"},)" +
                           text.substr(text.find("\"spec\"")));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->holder, "a");
  EXPECT_EQ(back->duration_seconds, 15);
  EXPECT_EQ(back->renew_time, "2026-01-01T00:00:10.000000Z");
  EXPECT_EQ(back->transitions, 3);
  EXPECT_FALSE(decode_lease(R"({"kind":"Secret"})"));
  EXPECT_NE(text.find(R"("resourceVersion":"42")"), std::string::npos);
}

}  // namespace
}  // namespace regcred::publisher
