// daemon.hpp: regcredd's wiring. One Boost.Asio event loop owns the store, the sinks and the
// status server; sources post their changes to it. Sinks are written only once every source
// has delivered a full state, so a daemon that starts while the API server is down never
// empties a file; after that, changes are written at most every 50 ms per file (a burst
// coalesces into one write).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/app/notifier.hpp"
#include "daemon/config/config.hpp"

namespace regcred::daemon {

// Runs the daemon (or --once) with a configuration that passed validate(). `args` are kept to
// reload the configuration on SIGHUP. Returns the exit code.
int run_daemon(Config config, std::vector<std::string> args, Notifier& notifier);

// main() in a function: argv without argv[0]; 0, 1 or 2 as the contract says.
int run(const std::vector<std::string>& args);

}  // namespace regcred::daemon
