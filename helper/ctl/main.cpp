#include <cstdlib>
#include <iostream>

#include "common/pull/transport.hpp"
#include "helper/ctl/run.hpp"

REGCRED_SKIP_GNUTLS_INIT

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  regcred::ctl::Env env{[](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): one thread
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }};
  return regcred::ctl::run(args, std::cin, std::cout, std::cerr, env);
}
