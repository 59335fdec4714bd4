#include "daemon/app/loop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace regcred::daemon {
namespace asio = boost::asio;
namespace {

// A generation per arming: a wait that was replaced or cancelled finds it changed and does
// nothing, whatever order asio delivers the aborted wait in.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : timer_(io) {}
  void at(SteadyClock::time_point when, std::function<void()> fn) override {
    const auto armed = ++generation_;
    timer_.expires_at(when);
    timer_.async_wait([this, armed, fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec && armed == generation_) fn();
    });
  }
  void cancel() override {
    ++generation_;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
};

}  // namespace

void AsioLoop::post(std::function<void()> fn) {
  asio::post(io_, std::move(fn));
}

std::unique_ptr<Timer> AsioLoop::timer() {
  return std::make_unique<AsioTimer>(io_);
}

}  // namespace regcred::daemon
