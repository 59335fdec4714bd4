// run.hpp: regcred-credential-provider, kubelet's exec credential provider. The request on
// stdin, the response on stdout (nothing else there), one line on stderr and exit 1 when it
// cannot answer. --docker-config FILE answers from that file instead of the daemon's store.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "helper/backend/backend.hpp"

namespace regcred::provider {

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// `make_backend` is given the socket and state folder the flags and environment name.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err, const Getenv& getenv,
        const helper_backend::MakeBackend& make_backend = helper_backend::daemon_backend);

}  // namespace regcred::provider
