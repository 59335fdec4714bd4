// plan.cpp: the parts of a pull test that need no network. regcredd links this and not
// probe.cpp (libcurl), which runs in regcred-pull-worker.
#include <sys/utsname.h>

#include <cmath>

#include "common/core/go/encoding.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/provider.hpp"
#include "common/pull/plan.hpp"

namespace regcred::pull {

std::vector<Candidate> candidates_for(const core::CredentialTable& table, const std::string& repo) {
  auto a = core::provider_answer(table, repo, core::k_provider_v1, "0s");
  std::vector<Candidate> out;
  for (const auto& [pattern, e] : a.ordered) {
    out.push_back({e.credential.username, e.credential.password, e.credential.identitytoken,
                   pattern, e.key, e.from});
  }
  return out;
}

Platform node_platform() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return {"linux", "amd64", ""};
  if (m == "aarch64" || m == "arm64") return {"linux", "arm64", "v8"};
  if (m.starts_with("armv7")) return {"linux", "arm", "v7"};
  if (m.starts_with("armv6")) return {"linux", "arm", "v6"};
  if (m == "i686" || m == "i386") return {"linux", "386", ""};
  return {"linux", m, ""};
}

nlohmann::json to_json(const Outcome& r) {
  nlohmann::json timings = nlohmann::json::object();
  for (const auto& [k, v] : r.timings_ms)
    timings[k] = std::round(v * 1000.0) / 1000.0;
  nlohmann::json j = {
      {"image", r.image},
      {"ok", r.ok},
      {"class", r.cls},
      {"phase", r.phase},
      {"httpStatus", r.http_status ? nlohmann::json(*r.http_status) : nlohmann::json(nullptr)},
      {"digest", r.digest.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.digest)},
      {"timingsMs", timings},
      {"message", r.message},
      {"addresses", r.addresses}};
  if (r.credential) {
    j["credential"] = {{"from", r.credential->from},
                       {"key", r.credential->key},
                       {"pattern", r.credential->pattern},
                       {"username", r.credential->username}};
  } else {
    j["credential"] = nullptr;
  }
  if (!r.retry_after.empty()) j["retryAfter"] = r.retry_after;
  return j;
}

std::string request_line(const Request& q) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : q.candidates) {
    // The credential in base64: a password decoded from an `auth` may be any bytes, and JSON
    // holds only UTF-8.
    cands.push_back({{"username", core::base64_encode(c.username)},
                     {"password", core::base64_encode(c.password.reveal())},
                     {"identitytoken", core::base64_encode(c.identitytoken.reveal())},
                     {"pattern", c.pattern},
                     {"key", c.key},
                     {"from", c.from}});
  }
  const nlohmann::json j = {{"id", q.id},
                            {"image", q.image},
                            {"candidates", std::move(cands)},
                            {"caPem", q.options.ca_pem},
                            {"platform",
                             {{"os", q.options.platform.os},
                              {"architecture", q.options.platform.architecture},
                              {"variant", q.options.platform.variant}}},
                            {"timeoutMs", q.options.timeout.count()}};
  return core::json_text(j) + "\n";
}

Result<Request> parse_request(std::string_view line) {
  try {
    const auto j = nlohmann::json::parse(line);
    Request q;
    q.id = j.at("id").get<long>();
    q.image = j.at("image").get<std::string>();
    auto bytes = [](const nlohmann::json& c, const char* field) -> Result<std::string> {
      auto b = core::base64_decode(c.at(field).get<std::string>());
      if (!b)
        return fail(Code::parse_error,
                    std::string("pull test request: ") + field + ": " + b.error().message);
      return b;
    };
    for (const auto& c : j.at("candidates")) {
      REGCRED_TRY_ASSIGN(std::string username, bytes(c, "username"));
      REGCRED_TRY_ASSIGN(std::string password, bytes(c, "password"));
      REGCRED_TRY_ASSIGN(std::string token, bytes(c, "identitytoken"));
      q.candidates.push_back({std::move(username), Secret(std::move(password)),
                              Secret(std::move(token)), c.at("pattern").get<std::string>(),
                              c.at("key").get<std::string>(), c.at("from").get<std::string>()});
    }
    q.options.ca_pem = j.at("caPem").get<std::string>();
    const auto& p = j.at("platform");
    q.options.platform = {p.at("os").get<std::string>(), p.at("architecture").get<std::string>(),
                          p.at("variant").get<std::string>()};
    q.options.timeout = std::chrono::milliseconds(j.at("timeoutMs").get<long>());
    return q;
  } catch (const nlohmann::json::parse_error& e) {
    // Not e.what(): a parse error quotes the bytes it last read.
    return fail(Code::parse_error,
                "pull test request: not JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {
    // A missing or mistyped field: nlohmann's message names the field or type, never a value.
    return fail(Code::parse_error, std::string("pull test request: ") + e.what());
  }
}

}  // namespace regcred::pull
