// pulltests.hpp: GET /v1/pulltests (every image's last outcomes, the running tests, the
// schedule), GET /v1/pulltests/ID and POST /v1/pulltests, over PullTests. Unprivileged callers
// see no usernames.
#pragma once

#include <string_view>

#include "daemon/api/router.hpp"
#include "daemon/app/pull_tests.hpp"

namespace regcred::daemon {

api::Response pulltests_answer(const PullTests& tests, const api::Request& req);
api::Response pulltest_answer(const PullTests& tests, const api::Request& req, std::string_view id);
api::Response start_pulltest(PullTests& tests, const api::Request& req);

}  // namespace regcred::daemon
