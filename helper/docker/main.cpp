#include <cstdlib>
#include <iostream>

#include "helper/docker/run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): one thread
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  int rc = regcred::docker_helper::run(args, std::cin, std::cout, getenv);
  std::cout.flush();
  return rc;
}
