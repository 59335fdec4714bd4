#include "daemon/handlers/pulltests.hpp"

#include <charconv>
#include <string>

#include "common/core/socket_api.hpp"
#include "common/core/status_api.hpp"

namespace regcred::daemon {
namespace {

nlohmann::json redacted(nlohmann::json j, bool privileged) {
  if (!privileged && j.contains("credential") && j["credential"].is_object()) {
    j["credential"].erase("username");
  }
  return j;
}

}  // namespace

api::Response pulltests_answer(const PullTests& tests, const api::Request& req) {
  core::status_api::PullTests out;
  for (const auto& [image, list] : tests.results()) {
    auto& l = out.results[image];
    for (const auto& r : list)
      l.push_back(redacted(r, req.privileged));
  }
  out.running.assign(tests.running().begin(), tests.running().end());
  out.scheduled = tests.config().scheduled;
  out.interval = std::to_string(tests.config().interval.count()) + "s";
  return api::json_response(200, core::status_api::to_json(out));
}

api::Response pulltest_answer(const PullTests& tests, const api::Request& req,
                              std::string_view id_text) {
  long id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size()) {
    return api::error_response(404, "no such pull test: " + std::string(id_text));
  }
  if (tests.running().contains(id))
    return api::json_response(202, {{"id", id}, {"status", "running"}});
  const nlohmann::json* done = tests.done(id);
  if (done == nullptr)
    return api::error_response(404, "no such pull test: " + std::string(id_text));
  return api::json_response(200, redacted(*done, req.privileged));
}

api::Response start_pulltest(PullTests& tests, const api::Request& req) {
  auto body = core::socket_api::decode_pulltest_request(req.body);
  if (!body) return api::error_response(400, body.error().message);
  // regcredd reads them as root: only root names them (the configured ones serve every test).
  if (!body->ca_files.empty() && !req.root) {
    return api::error_response(403, "caFiles: only root names CA files for a pull test");
  }
  auto id = tests.start(body->image, body->namespace_, body->ca_files, "request");
  if (!id) return api::error_response(400, id.error().message);
  return api::json_response(202, {{"id", *id}, {"status", "running"}});
}

}  // namespace regcred::daemon
