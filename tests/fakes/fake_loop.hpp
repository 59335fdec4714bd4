// fake_loop.hpp: the daemon's Loop with a clock the test moves. advance() runs what is due in
// time order (posts first, as the real loop runs ready handlers before it waits).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "daemon/app/loop.hpp"

namespace regcred::testing {

class FakeLoop final : public daemon::Loop {
 public:
  daemon::SteadyClock::time_point now() const override { return now_; }
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }
  std::unique_ptr<daemon::Timer> timer() override { return std::make_unique<FakeTimer>(*this); }

  // Runs the posted calls (and those they post) and the timers due by now.
  void run_ready() {
    for (;;) {
      if (!posted_.empty()) {
        auto fn = std::move(posted_.front());
        posted_.pop_front();
        fn();
        continue;
      }
      auto due = timers_.begin();
      if (due == timers_.end() || due->first.first > now_) return;
      auto fn = std::move(due->second);
      timers_.erase(due);
      fn();
    }
  }
  // Moves the clock by `d`, running everything due on the way, in order.
  void advance(daemon::SteadyClock::duration d) {
    const auto end = now_ + d;
    run_ready();
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
      now_ = timers_.begin()->first.first;
      run_ready();
    }
    now_ = end;
    run_ready();
  }
  std::size_t posted() const { return posted_.size(); }
  std::size_t armed() const { return timers_.size(); }

 private:
  using Key = std::pair<daemon::SteadyClock::time_point, std::uint64_t>;
  class FakeTimer final : public daemon::Timer {
   public:
    explicit FakeTimer(FakeLoop& loop) : loop_(loop) {}
    ~FakeTimer() override { cancel(); }
    void at(daemon::SteadyClock::time_point when, std::function<void()> fn) override {
      cancel();
      key_ = Key{when, ++loop_.sequence_};
      loop_.timers_.emplace(*key_, [this, fn = std::move(fn)] {
        key_.reset();
        fn();
      });
    }
    void cancel() override {
      if (key_) loop_.timers_.erase(*key_);
      key_.reset();
    }

   private:
    FakeLoop& loop_;
    std::optional<Key> key_;
  };

  daemon::SteadyClock::time_point now_{std::chrono::hours(1)};
  std::deque<std::function<void()>> posted_;
  std::map<Key, std::function<void()>> timers_;
  std::uint64_t sequence_ = 0;
};

}  // namespace regcred::testing
