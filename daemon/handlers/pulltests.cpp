#include "daemon/handlers/pulltests.hpp"

#include <charconv>
#include <string>

#include "common/core/socket_api.hpp"

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
  nlohmann::json results = nlohmann::json::object();
  for (const auto& [image, list] : tests.results()) {
    nlohmann::json l = nlohmann::json::array();
    for (const auto& r : list)
      l.push_back(redacted(r, req.privileged));
    results[image] = std::move(l);
  }
  nlohmann::json running = nlohmann::json::array();
  for (const auto& [id, image] : tests.running())
    running.push_back({{"id", id}, {"image", image}});
  return api::json_response(200,
                            {{"results", results},
                             {"running", running},
                             {"scheduled", tests.config().scheduled},
                             {"interval", std::to_string(tests.config().interval.count()) + "s"}});
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
  auto id = tests.start(body->image, body->namespace_, body->ca_files, "request");
  if (!id) return api::error_response(400, id.error().message);
  return api::json_response(202, {{"id", *id}, {"status", "running"}});
}

}  // namespace regcred::daemon
