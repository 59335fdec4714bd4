// listen.hpp: regcred-pull-worker --listen PATH, the worker as a server of its own where no
// systemd starts it for each connection (the DaemonSet's pull-worker container: a user of its
// own beside regcredd's container, with none of the node's folders). Each connection gets a
// worker process of its own, as systemd's Accept=yes gives (systemd/regcred-pull-worker.socket):
// the connection is its stdin and stdout.
#pragma once

#include <functional>
#include <string>

#include "common/core/result.hpp"

namespace regcred::worker {

// Binds `path` (mode 0666 from the start: the folder it is in decides who reaches it; a socket
// left there by an earlier run is replaced, anything else is an error), calls `ready` once it
// listens (the worker confines itself there), then serves for ever: `serve(fd)` runs in a child
// process per connection, with the connection as its stdin and stdout, and its return is the
// child's exit status. Returns only on an error.
Result<void> listen_and_serve(const std::string& path, const std::function<void()>& ready,
                              const std::function<int()>& serve);

}  // namespace regcred::worker
