// regcred-pull-worker: gathers argv and stdio and hands over to run(). Started by regcredd, or
// for regcredd's connection by systemd (regcred-pull-worker@.service), with the credentials to
// try on its stdin.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/pull/transport.hpp"
#include "daemon/worker/confine.hpp"
#include "daemon/worker/run.hpp"

REGCRED_SKIP_GNUTLS_INIT

int main(int argc, char** argv) {
  // It holds credentials: no core dump, and it goes when regcredd goes.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  CLI::App app{"regcred-pull-worker: runs regcredd's pull tests (started by regcredd)"};
  int concurrency = 4;
  app.add_option("--concurrency", concurrency, "tests at once")->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  // Before a registry is asked: no file but what it reads, no Unix socket (confine.hpp). A
  // part that does not take matters as root (a child of regcredd's); under its own unit the
  // worker is a user with nothing of the node's in reach whatever Landlock does.
  if (auto c = regcred::worker::confine(regcred::worker::readable_paths()); !c && ::getuid() == 0) {
    std::cerr << "regcred-pull-worker: not fully confined: " << c.error().message << "\n";
  }
  std::ios::sync_with_stdio(false);
  return regcred::worker::run(std::cin, std::cout, std::cerr, concurrency);
}
