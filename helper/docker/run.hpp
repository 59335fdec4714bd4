// run.hpp: docker-credential-regcred's entry point, credentials.Serve in C++: exactly one argv
// verb; every answer and every error on stdout, exit 0 or 1;
// nothing on stderr. REGCRED_SOCKET and REGCRED_STATE_DIR choose the daemon and the state
// folder it falls back to.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "helper/backend/backend.hpp"

namespace regcred::docker_helper {

inline constexpr std::string_view k_name = "docker-credential-regcred";

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// `make_backend` is given the socket and state folder the environment names.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        const Getenv& getenv,
        const helper_backend::MakeBackend& make_backend = helper_backend::daemon_backend);

}  // namespace regcred::docker_helper
