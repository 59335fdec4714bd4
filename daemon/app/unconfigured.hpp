// unconfigured.hpp: regcredd started by its socket without a configuration it can run (a
// fresh node: no source yet, or a file with a mistake). Exiting would leave the connection
// that started it queued: systemd would start it again at once, and after five starts in ten
// seconds the socket unit fails and its file is gone until someone intervenes. So it stays up:
// every request gets 503 with what is wrong, STATUS= says the same, and it starts again as
// itself (exec, keeping the socket) when the configuration file changes or on SIGHUP.
#pragma once

#include <string>
#include <vector>

#include "daemon/app/notifier.hpp"

namespace regcred::daemon {

// `reason` is why the configuration cannot run; `config_file` the file watched; `args` the
// command line to start again with. Returns the exit code (0 on SIGTERM).
int run_unconfigured(const std::string& reason, const std::string& config_file,
                     const std::vector<std::string>& args, int listen_fd, Notifier& notifier);

}  // namespace regcred::daemon
