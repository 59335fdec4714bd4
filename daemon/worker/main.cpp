// regcred-pull-worker: gathers argv and stdio and hands over to run(). Started by regcredd, or
// for regcredd's connection by systemd (regcred-pull-worker@.service) or by itself with
// --listen (listen.hpp), with the credentials to try on its stdin.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/pull/transport.hpp"
#include "daemon/worker/confine.hpp"
#include "daemon/worker/listen.hpp"
#include "daemon/worker/run.hpp"

REGCRED_SKIP_GNUTLS_INIT

namespace {

// Before a registry is asked: no file but what it reads, no Unix socket (confine.hpp). A part
// that does not take matters as root (a child of regcredd's); as a user of its own the worker
// has nothing of the node's in reach whatever Landlock does.
void confine() {
  if (auto c = regcred::worker::confine(regcred::worker::readable_paths()); !c && ::getuid() == 0) {
    std::cerr << "regcred-pull-worker: not fully confined: " << c.error().message << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // It holds credentials: no core dump.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  CLI::App app{"regcred-pull-worker: runs regcredd's pull tests (started by regcredd)"};
  int concurrency = 4;
  std::string listen;
  app.add_option("--concurrency", concurrency, "tests at once")->check(CLI::Range(1, 1024));
  app.add_option("--listen", listen,
                 "serve regcredd's connections on this socket, a worker process for each");
  CLI11_PARSE(app, argc, argv);
  std::ios::sync_with_stdio(false);
  auto serve = [concurrency] {
    return regcred::worker::run(std::cin, std::cout, std::cerr, concurrency);
  };
  if (!listen.empty()) {
    auto r = regcred::worker::listen_and_serve(listen, confine, serve);
    std::cerr << "regcred-pull-worker: " << r.error().message << "\n";
    return 1;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // a child of regcredd's goes with it
  confine();
  return serve();
}
