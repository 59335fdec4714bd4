// run.hpp: regcred-credential-provider, kubelet's exec credential provider. The request on
// stdin, the response on stdout (nothing else there), one line on stderr and exit 1 when it
// cannot answer. --docker-config FILE answers from that file instead of the daemon's store.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace regcred::provider {

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err, const Getenv& getenv);

}  // namespace regcred::provider
