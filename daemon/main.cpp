// regcredd: gathers argv and hands over to run().
#include <sys/prctl.h>

#include <string>
#include <vector>

#include "daemon/app/daemon.hpp"

int main(int argc, char** argv) {
  // It holds every credential of the node: a crash must not leave them in a core file, and
  // no process of the same user may read its memory.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::vector<std::string> args(argv + 1, argv + argc);
  return regcred::daemon::run(args);
}
