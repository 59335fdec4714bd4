// regcredd: gathers argv and hands over to run().
#include <string>
#include <vector>

#include "daemon/app/daemon.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return regcred::daemon::run(args);
}
