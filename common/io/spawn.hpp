// spawn.hpp: starting a child process as regcredd starts each of its children (an exec
// credential plugin, the pull worker): only the descriptors it is given (none of regcredd's
// sockets, whether or not they are close-on-exec), and SIGPIPE at its default (regcredd ignores
// it). posix_spawn underneath: no fork of a process with threads.
#pragma once

#include <sys/types.h>

#include <memory>
#include <vector>

namespace regcred::io {

class Spawn {
 public:
  Spawn();
  ~Spawn();
  Spawn(const Spawn&) = delete;
  Spawn& operator=(const Spawn&) = delete;

  // In the child, before the program starts: `from` becomes descriptor `to`; `path` is opened
  // read-only as `to`.
  Spawn& dup2(int from, int to);
  Spawn& open_read(int to, const char* path);

  // Starts `argv[0]` (searched in PATH when `search_path`), with `envp`. 0, or the errno.
  int start(pid_t& pid, bool search_path, const std::vector<char*>& argv, char* const* envp);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::io
