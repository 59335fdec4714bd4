#include "daemon/handlers/endpoints.hpp"

#include "daemon/handlers/metrics.hpp"
#include "daemon/handlers/pulltests.hpp"
#include "daemon/handlers/status.hpp"

namespace regcred::daemon {

nlohmann::json DaemonEndpoints::status(bool privileged) {
  return status_json(view_(), privileged);
}

std::string DaemonEndpoints::metrics(bool privileged) {
  return metrics_text(view_(), privileged);
}

api::Response DaemonEndpoints::pulltests(const api::Request& req) {
  return pulltests_answer(pull_tests_, req);
}

api::Response DaemonEndpoints::pulltest(const api::Request& req, std::string_view id) {
  return pulltest_answer(pull_tests_, req, id);
}

api::Response DaemonEndpoints::start_pulltest(const api::Request& req) {
  return daemon::start_pulltest(pull_tests_, req);
}

}  // namespace regcred::daemon
