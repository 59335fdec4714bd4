// SystemdStatus with a recording notifier and a fake clock: READY=1 once, STATUS= only when the
// line changes, WATCHDOG=1 at half the interval systemd asked for.
#include "daemon/app/systemd_status.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/fakes/fake_loop.hpp"

namespace regcred::daemon {
namespace {

using namespace std::chrono_literals;

class Recorder final : public Notifier {
 public:
  void notify(std::string_view state) override { sent.emplace_back(state); }
  std::optional<std::chrono::microseconds> watchdog() override { return interval; }
  std::vector<std::string> sent;
  std::optional<std::chrono::microseconds> interval;
};

TEST(SystemdStatus, ReadyOnceThenStatusOnlyWhenItChanges) {
  testing::FakeLoop loop;
  Recorder n;
  SystemdStatus s(n, loop);
  EXPECT_FALSE(s.ready_sent());
  s.status("3 secrets");
  s.status("3 secrets");
  s.status("4 secrets");
  EXPECT_TRUE(s.ready_sent());
  EXPECT_EQ(n.sent, (std::vector<std::string>{"READY=1\nSTATUS=3 secrets", "STATUS=4 secrets"}));
}

TEST(SystemdStatus, TheWatchdogAtHalfTheInterval) {
  testing::FakeLoop loop;
  Recorder n;
  n.interval = std::chrono::microseconds(400000);
  SystemdStatus s(n, loop);
  s.start_watchdog();
  loop.advance(1s);  // at 0, 200, 400, 600, 800 and 1000 ms
  EXPECT_EQ(std::count(n.sent.begin(), n.sent.end(), "WATCHDOG=1"), 6);
  s.stop();
  loop.advance(1s);
  EXPECT_EQ(std::count(n.sent.begin(), n.sent.end(), "WATCHDOG=1"), 6);
}

TEST(SystemdStatus, NoWatchdogUnlessAsked) {
  testing::FakeLoop loop;
  Recorder n;
  SystemdStatus s(n, loop);
  s.start_watchdog();
  loop.advance(10s);
  EXPECT_TRUE(n.sent.empty());
  s.stop();
}

}  // namespace
}  // namespace regcred::daemon
