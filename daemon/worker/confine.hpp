// confine.hpp: what the pull worker may still do once it confines itself, before it reads a
// request. As a child of regcredd's it runs as regcredd's user (root) and parses what hostile
// registries send, so it takes away, without any privilege of its own:
// - every file but those it needs to read (Landlock): the system's CA folders, the resolver's
//   files and the libraries it may load; not the state folder, the node's credential files,
//   kubeconfigs, keys or anything it could write;
// - Unix sockets (a seccomp filter on socket(AF_UNIX)): regcredd's socket would take it for
//   root and hand it every credential; the container runtimes' sockets.
// The credentials it needs still reach it over its pipe. Under the package it is a unit of its
// own with a user of its own (systemd/regcred-pull-worker@.service), which keeps the files away
// whether or not Landlock takes there.
#pragma once

#include <string>
#include <vector>

#include "common/core/result.hpp"

namespace regcred::worker {

// The paths the worker reads (folders or files; a missing one is skipped).
std::vector<std::string> readable_paths();

// Confines the calling process (and what it starts) as above, each part where the kernel and
// the sandbox it runs in allow it: an error says which part did not take (systemd 252 refuses
// Landlock's calls to a unit with NoNewPrivileges=; the socket filter still applies), and the
// caller says so and goes on.
Result<void> confine(const std::vector<std::string>& readable);

}  // namespace regcred::worker
