// regcredd: gathers argv and hands over to run().
#include <string>
#include <vector>

#include "common/pull/transport.hpp"
#include "daemon/app/daemon.hpp"

REGCRED_SKIP_GNUTLS_INIT

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return regcred::daemon::run(args);
}
