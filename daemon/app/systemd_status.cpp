#include "daemon/app/systemd_status.hpp"

namespace regcred::daemon {

void SystemdStatus::status(const std::string& line) {
  if (line == last_line_ && ready_sent_) return;
  last_line_ = line;
  notifier_.notify((ready_sent_ ? "" : "READY=1\n") + std::string("STATUS=") + line);
  ready_sent_ = true;
}

void SystemdStatus::start_watchdog() {
  auto interval = notifier_.watchdog();
  if (!interval) return;
  period_ = *interval / 2;
  watchdog_ = loop_.timer();
  watchdog_tick();
}

void SystemdStatus::watchdog_tick() {
  notifier_.notify("WATCHDOG=1");
  watchdog_->at(loop_.now() + period_, [this] { watchdog_tick(); });
}

void SystemdStatus::stop() {
  if (watchdog_) watchdog_->cancel();
}

}  // namespace regcred::daemon
