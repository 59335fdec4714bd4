// flush_schedule.hpp: when the node files are written. Nothing is written before the first full
// sync (enable()); after it, a change is written at once unless the last write was less than
// `min_interval` ago, and every change until then joins that one write. A failed write is
// tried again after `retry` without anyone asking.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "daemon/app/loop.hpp"

namespace regcred::daemon {

class FlushSchedule {
 public:
  struct Options {
    SteadyClock::duration min_interval = std::chrono::milliseconds(50);
    SteadyClock::duration retry = std::chrono::seconds(5);
  };
  FlushSchedule(Loop& loop, std::function<void()> flush, Options options);

  // Writing may start (every source delivered a full state).
  void enable() { enabled_ = true; }
  // A change to write: the flush runs once, at the earliest min_interval after the last one.
  void request();
  // A write failed: the flush runs again after `retry`, unless one is already due.
  void retry_later();
  // No flush runs after this.
  void stop();
  bool pending() const { return pending_; }

 private:
  void arm(SteadyClock::time_point when);

  Loop& loop_;
  std::function<void()> flush_;
  Options options_;
  std::unique_ptr<Timer> timer_;
  SteadyClock::time_point last_{};
  bool enabled_ = false;
  bool pending_ = false;
  bool stopped_ = false;
};

}  // namespace regcred::daemon
