// run.hpp: regcredctl's testable entry point. main() only gathers argv, stdio and the
// environment; run() parses the command line and does the work. Exit codes: 0 success,
// 1 failure at run time (or lint problems), 2 bad usage.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace regcred::ctl {

struct Env {
  // getenv, injectable for tests.
  std::function<std::optional<std::string>(const std::string&)> get;
};

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err, const Env& env);

}  // namespace regcred::ctl
