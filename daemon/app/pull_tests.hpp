// pull_tests.hpp: the pull tests regcredd runs (on request and on the schedule), kept for the
// status socket: the ones running, the last 256 by id, the last 10 per image, and totals per
// class. The tests themselves run in regcred-pull-worker (PullRunner).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/result.hpp"
#include "daemon/app/loop.hpp"
#include "daemon/app/pull_runner.hpp"
#include "daemon/sync/store.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

struct PullTestConfig {
  std::vector<std::string> scheduled;  // images tested on the schedule
  std::chrono::seconds interval{600};
  std::size_t concurrency = 4;
  std::vector<std::string> ca_files;  // trusted besides the system's
  std::string worker_socket;          // "": the worker runs as regcredd's child
};

class PullTests {
 public:
  struct ClassTotal {
    std::uint64_t count = 0;
    double seconds = 0;
  };
  static constexpr std::size_t k_kept_per_image = 10;
  static constexpr std::size_t k_kept_by_id = 256;

  // `finished` runs on the loop after each test's outcome is kept.
  PullTests(boost::asio::io_context& io, Loop& loop, sync::Store& store, PullTestConfig config,
            std::function<void()> finished);
  ~PullTests();
  PullTests(const PullTests&) = delete;
  PullTests& operator=(const PullTests&) = delete;

  // Tests `image` with the credentials kubelet would use: the node's, or with `ns` that
  // namespace's first and then the node's. `extra_cas` are trusted for this test too; `trigger`
  // says why it ran ("request", "schedule"). The id to ask for its outcome.
  Result<long> start(const std::string& image, const std::string& ns,
                     const std::vector<std::string>& extra_cas, const std::string& trigger);
  // Every scheduled image after `delay`, then every interval (+-10%, so nodes started together
  // do not test in step).
  void schedule(std::chrono::milliseconds delay);
  void set_config(PullTestConfig config);
  void stop();

  const PullTestConfig& config() const { return config_; }
  const std::map<long, std::string>& running() const { return running_; }  // id -> image
  const nlohmann::json* done(long id) const;
  // image -> outcomes, newest first.
  const std::map<std::string, std::deque<nlohmann::json>>& results() const { return results_; }
  const std::map<std::string, ClassTotal>& totals() const { return totals_; }  // by class
  // The newest outcome of a scheduled image that failed, if the newest of any did.
  std::optional<std::pair<std::string, const nlohmann::json*>> scheduled_failure() const;

 private:
  void finish(long id, nlohmann::json outcome, double total_ms);

  Loop& loop_;
  sync::Store& store_;
  PullTestConfig config_;
  std::function<void()> finished_;
  PullRunner runner_;
  std::unique_ptr<Timer> timer_;
  bool stopped_ = false;
  long next_id_ = 0;
  std::map<long, std::string> running_;
  std::map<long, nlohmann::json> done_;
  std::map<std::string, std::deque<nlohmann::json>> results_;
  std::map<std::string, ClassTotal> totals_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace regcred::daemon
