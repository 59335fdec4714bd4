// pull_runner.hpp: regcredd's side of regcred-pull-worker (daemon/worker). Tests go to a worker
// started when the first is due: a child of regcredd's, or, with a socket, the worker systemd
// starts for each connection as a user of its own (the package's regcred-pull-worker.socket).
// When no test is left, regcredd ends its side of the stream and the worker exits, so an idle
// regcredd holds no worker and no libcurl. regcredd sends at most `concurrency` tests at once
// (whatever the worker would take). Runs on the event loop.
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
  struct Where {
    std::string program;  // the worker to start as a child, or
    std::string socket;   // when not empty, the socket a worker answers on
  };
  PullRunner(boost::asio::io_context& io, Where where, std::size_t concurrency);
  ~PullRunner();
  PullRunner(const PullRunner&) = delete;
  PullRunner& operator=(const PullRunner&) = delete;

  // Runs the test; `done` gets pull::to_json of its result on the loop. A worker that cannot
  // start or dies mid-test still answers: a failed result whose message says so.
  void run(const pull::Request& request, std::function<void(nlohmann::json)> done);

  // A reload: `concurrency` holds from now on, `where` for the next worker started.
  void reconfigure(Where where, std::size_t concurrency);

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
