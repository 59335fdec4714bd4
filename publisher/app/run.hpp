// run.hpp: regcred-publisher from argv to exit code (0, 1 at run time, 2 bad usage or config).
#pragma once

#include <string>
#include <vector>

namespace regcred::publisher {

int run(const std::vector<std::string>& args);

}  // namespace regcred::publisher
