// systemd_status.hpp: what regcredd tells systemd over the Notifier: READY=1 once (with the
// first STATUS=), a one-line STATUS= each time it changes, and WATCHDOG=1 at half the interval
// systemd asked for.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/app/loop.hpp"
#include "daemon/app/notifier.hpp"

namespace regcred::daemon {

class SystemdStatus {
 public:
  SystemdStatus(Notifier& notifier, Loop& loop) : notifier_(notifier), loop_(loop) {}

  // STATUS=line, and READY=1 with it the first time.
  void status(const std::string& line);
  bool ready_sent() const { return ready_sent_; }
  // WATCHDOG=1 every half interval, when systemd asked for a watchdog.
  void start_watchdog();
  void notify(std::string_view state) { notifier_.notify(state); }
  void stop();

 private:
  void watchdog_tick();

  Notifier& notifier_;
  Loop& loop_;
  std::unique_ptr<Timer> watchdog_;
  std::chrono::microseconds period_{0};
  std::string last_line_;
  bool ready_sent_ = false;
};

}  // namespace regcred::daemon
