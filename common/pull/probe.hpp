// probe.hpp: a registry-protocol pull of one image, as a container runtime would start it,
// without downloading a layer: DNS (every address), TCP, TLS (system CAs plus the configured
// ones), GET /v2/, the auth challenge (Basic; Bearer with realm, service and scope, then the
// token request, GET or POST), the manifest (GET, with the OCI and Docker Accept headers), for
// an index the node's platform, and a HEAD of the config blob. Each phase timed; the outcome
// names the phase that failed and a class an operator can act on. libcurl stays inside the .cpp.
#pragma once

#include <vector>

#include "common/core/image_ref.hpp"
#include "common/pull/plan.hpp"

namespace regcred::pull {

// Tries the candidates in kubelet's order until one gets through auth; none: anonymous.
Outcome run(const core::ImageRef& ref, const std::vector<Candidate>& candidates,
            const Options& options);

}  // namespace regcred::pull
