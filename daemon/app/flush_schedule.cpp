#include "daemon/app/flush_schedule.hpp"

#include <algorithm>

namespace regcred::daemon {

FlushSchedule::FlushSchedule(Loop& loop, std::function<void()> flush, Options options)
    : loop_(loop), flush_(std::move(flush)), options_(options), timer_(loop.timer()) {}

void FlushSchedule::request() {
  if (!enabled_ || pending_ || stopped_) return;
  arm(std::max(loop_.now(), last_ + options_.min_interval));
}

void FlushSchedule::retry_later() {
  if (stopped_ || pending_) return;
  arm(loop_.now() + options_.retry);
}

void FlushSchedule::stop() {
  stopped_ = true;
  pending_ = false;
  timer_->cancel();
}

void FlushSchedule::arm(SteadyClock::time_point when) {
  pending_ = true;
  timer_->at(when, [this] {
    pending_ = false;
    last_ = loop_.now();
    flush_();
  });
}

}  // namespace regcred::daemon
