// regcred-publisher: gathers argv and hands over to run().
#include <string>
#include <vector>

#include "publisher/app/run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return regcred::publisher::run(args);
}
