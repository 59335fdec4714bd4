#include <iostream>

#include "helper/backend/backend.hpp"
#include "helper/docker/run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc =
      regcred::docker_helper::run(args, std::cin, std::cout, regcred::helper_backend::process_env);
  std::cout.flush();
  return rc;
}
