// status.hpp: GET /v1/status, and the RegistryCredentialsReady condition the node reports,
// both read from the daemon's view. Callers outside root and the socket's group get health and
// counts only: no secret names, registry keys, lint lines, file paths or errors.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/handlers/view.hpp"
#include "daemon/report/node_reporter.hpp"

namespace regcred::daemon {

nlohmann::json status_json(const DaemonView& v, bool privileged);

// True when the files are in sync, no secret is rejected and the last pull test of every
// scheduled image passed; else False with the first reason.
kube::NodeCondition node_condition(const DaemonView& v);

}  // namespace regcred::daemon
