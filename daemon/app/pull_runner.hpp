// pull_runner.hpp: regcredd's side of regcred-pull-worker (daemon/worker). Tests go to a worker
// process started when the first is due; when none is left, the worker's stdin is closed and it
// exits, so an idle regcredd holds no worker and no libcurl. Runs on the event loop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/pull/plan.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

class PullRunner {
 public:
  // `program`: the worker's path; `concurrency`: tests it runs at once.
  PullRunner(boost::asio::io_context& io, std::string program, std::size_t concurrency);
  ~PullRunner();
  PullRunner(const PullRunner&) = delete;
  PullRunner& operator=(const PullRunner&) = delete;

  // Runs the test; `done` gets pull::to_json of its result on the loop. A worker that cannot
  // start or dies mid-test still answers: a failed result whose message says so.
  void run(const pull::Request& request, std::function<void(nlohmann::json)> done);

  // Shutdown: ends every worker now (tests in flight are dropped, `done` not called).
  void stop();

  // Where regcred-pull-worker is: beside this program (a build tree), else PREFIX/libexec/regcred
  // for a program in PREFIX/sbin or PREFIX/bin (the package: /usr/libexec/regcred).
  static std::string default_program();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::daemon
