// loop.hpp: what the daemon's schedulers ask of the event loop: the time, a post, and timers.
// AsioLoop is the real one (one io_context thread); tests drive a fake clock instead
// (tests/fakes/fake_loop.hpp), so the write schedules are tested without sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

using SteadyClock = std::chrono::steady_clock;

class Timer {
 public:
  virtual ~Timer() = default;
  // Runs `fn` on the loop at `when`, once; arming again replaces the pending call.
  virtual void at(SteadyClock::time_point when, std::function<void()> fn) = 0;
  // The pending call, if any, never runs.
  virtual void cancel() = 0;
};

class Loop {
 public:
  virtual ~Loop() = default;
  virtual SteadyClock::time_point now() const = 0;
  // Runs `fn` on the loop after what is already queued.
  virtual void post(std::function<void()> fn) = 0;
  virtual std::unique_ptr<Timer> timer() = 0;
};

class AsioLoop final : public Loop {
 public:
  explicit AsioLoop(boost::asio::io_context& io) : io_(io) {}
  SteadyClock::time_point now() const override { return SteadyClock::now(); }
  void post(std::function<void()> fn) override;
  std::unique_ptr<Timer> timer() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace regcred::daemon
