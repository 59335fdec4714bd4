#include <iostream>

#include "helper/backend/backend.hpp"
#include "helper/provider/run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return regcred::provider::run(args, std::cin, std::cout, std::cerr,
                                regcred::helper_backend::process_env);
}
