#include "helper/ctl/pull_cmd.hpp"
#include "common/core/json_fields.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/image_ref.hpp"
#include "common/io/status_client.hpp"
#include "common/pull/probe.hpp"
#include "helper/backend/backend.hpp"
#include "helper/ctl/output.hpp"

namespace regcred::ctl {
namespace {

using nlohmann::json;

json error_result(const std::string& image, const std::string& message) {
  return {{"image", image},
          {"ok", false},
          {"class", "error"},
          {"phase", "setup"},
          {"httpStatus", nullptr},
          {"digest", nullptr},
          {"timingsMs", json::object()},
          {"message", message}};
}

// Asks regcredd; nullopt when it does not listen.
std::optional<json> by_daemon(const PullTestArgs& a) {
  json body = {{"image", a.image}};
  if (!a.ca_files.empty()) body["caFiles"] = a.ca_files;
  if (a.namespace_) body["namespace"] = *a.namespace_;
  auto r = io::status_request(a.socket, "POST", "/v1/pulltests", body.dump());
  if (!r && r.error().code == Code::unavailable) return std::nullopt;
  if (!r) return error_result(a.image, r.error().message);
  json started = json::parse(r->body, nullptr, false);
  if (r->status != 202 || !started.is_object() || !started.contains("id")) {
    std::string msg = started.is_object() ? core::json_value(started, "error", "") : "";
    return error_result(
        a.image, "regcredd: " + (msg.empty() ? "answered " + std::to_string(r->status) : msg));
  }
  const std::string target = "/v1/pulltests/" + std::to_string(started["id"].get<long>());
  for (int i = 0; i < 1200; ++i) {  // the test's own timeout ends it well before a minute
    std::this_thread::sleep_for(std::chrono::milliseconds(i < 20 ? 5 : 50));
    auto poll = io::status_request(a.socket, "GET", target, "");
    if (!poll) return error_result(a.image, poll.error().message);
    if (poll->status == 202) continue;
    json j = json::parse(poll->body, nullptr, false);
    if (poll->status == 200 && j.is_object()) return j;
    return error_result(a.image, "regcredd answered " + std::to_string(poll->status));
  }
  return error_result(a.image, "regcredd did not finish the pull test within a minute");
}

}  // namespace

PullTestRun pull_test(const PullTestArgs& a) {
  auto ref = core::parse_image_ref(a.image);
  if (!ref) return {error_result(a.image, ref.error().message), "here"};
  core::CredentialTable table;
  std::string ran_by = "here";
  if (a.docker_config) {
    std::ifstream f(*a.docker_config, std::ios::binary);
    if (!f) return {error_result(a.image, "read " + *a.docker_config + ": cannot open it"), "here"};
    std::string text{std::istreambuf_iterator<char>(f), {}};
    auto cfg = core::DockerConfig::parse(text);
    if (!cfg)
      return {error_result(a.image, "read " + *a.docker_config + ": " + cfg.error().message),
              "here"};
    table = core::table_of(*cfg);
    for (auto& e : table)
      e.from = *a.docker_config;
  } else {
    if (auto j = by_daemon(a)) return {*j, "regcredd"};
    helper_backend::DaemonBackend backend(a.socket, a.state_dir);
    auto t = backend.state_for_image(ref->name());
    if (!t) return {error_result(a.image, t.error().message), "here"};
    table = std::move(*t);
    ran_by = "here (regcredd is not running; credentials from its state folder)";
  }
  pull::Options o;
  o.ca_files = a.ca_files;
  o.platform = pull::node_platform();
  return {pull::to_json(pull::run(*ref, pull::candidates_for(table, ref->name()), o)), ran_by};
}

int run_pull_test(const PullTestArgs& a, const std::string& format, std::ostream& out,
                  std::ostream& err) {
  if (auto ref = core::parse_image_ref(a.image); !ref) {
    err << "regcredctl: pull-test: " << ref.error().message << "\n";
    return 2;
  }
  PullTestRun run = pull_test(a);
  const json& r = run.result;
  if (format != "table") {
    print_structured(nlohmann::ordered_json::parse(r.dump()), format, out);
  } else {
    auto text = [&](const char* k) {
      return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : std::string("-");
    };
    out << "IMAGE       " << text("image") << "\n";
    out << "RESULT      " << text("class") << " (phase " << text("phase");
    if (r.contains("httpStatus") && r["httpStatus"].is_number())
      out << ", HTTP " << r["httpStatus"];
    out << ")\n";
    if (r.contains("digest") && r["digest"].is_string())
      out << "DIGEST      " << text("digest") << "\n";
    if (r.contains("credential") && r["credential"].is_object()) {
      const auto& c = r["credential"];
      out << "CREDENTIAL  " << core::json_value(c, "from", "") << " (key "
          << core::json_value(c, "key", "") << ", user " << core::json_value(c, "username", "")
          << ")\n";
    } else {
      out << "CREDENTIAL  (none: anonymous)\n";
    }
    std::string timings;
    if (r.contains("timingsMs") && r["timingsMs"].is_object()) {
      for (const auto& [k, v] : r["timingsMs"].items()) {
        if (!v.is_number()) continue;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s %.1f ms", k.c_str(), v.get<double>());
        timings += (timings.empty() ? "" : ", ") + std::string(buf);
      }
    }
    out << "TIMINGS     " << timings << "\n";
    out << "MESSAGE     " << text("message") << "\n";
    out << "RAN BY      " << run.ran_by << "\n";
  }
  return core::json_value(r, "ok", false) ? 0 : 1;
}

}  // namespace regcred::ctl
