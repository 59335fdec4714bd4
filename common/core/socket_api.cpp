#include "common/core/socket_api.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <nlohmann/json.hpp>

#include "common/core/json_fields.hpp"

namespace regcred::core::socket_api {
namespace {

using nlohmann::json;

Result<json> object(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return fail(Code::invalid_argument, "the body is not a JSON object");
  return j;
}

// A member's text; "" when missing or not a string.
std::string text(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string provider_target(std::string_view cache_duration) {
  return std::string(k_provider) +
         "?cacheDuration=" + boost::urls::encode(cache_duration, boost::urls::unreserved_chars);
}

std::string provider_cache_duration(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return "";
  auto params = url->params();
  auto it = params.find("cacheDuration");
  return it == params.end() ? std::string() : std::string((*it).value);
}

std::string error_text(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  return j.is_object() ? text(j, "error") : std::string();
}

std::string encode(const ServerRequest& r) {
  return json{{"server", r.server}}.dump();
}

Result<ServerRequest> decode_server_request(std::string_view body) {
  REGCRED_TRY_ASSIGN(json j, object(body));
  return ServerRequest{text(j, "server")};
}

json to_json(const GetAnswer& a) {
  json j = {{"username", a.username}, {"key", a.key}, {"from", a.from}};
  j["secret"] = a.secret.reveal();
  return j;
}

Result<GetAnswer> decode_get_answer(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return fail(Code::parse_error, "regcredd: an answer that is not JSON");
  return GetAnswer{text(j, "username"), Secret(text(j, "secret")), text(j, "key"), text(j, "from")};
}

json list_json(const std::map<std::string, std::string>& entries) {
  return json{{"entries", entries}};
}

Result<std::map<std::string, std::string>> decode_list(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  std::map<std::string, std::string> out;
  if (j.is_object() && j.contains("entries") && j["entries"].is_object()) {
    for (const auto& [k, v] : j["entries"].items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

std::string encode(const helper::Credentials& c) {
  json j = {{"serverURL", c.server_url}, {"username", c.username}};
  j["secret"] = c.secret.reveal();
  return j.dump();
}

Result<helper::Credentials> decode_store_request(std::string_view body) {
  REGCRED_TRY_ASSIGN(json j, object(body));
  return helper::Credentials{text(j, "serverURL"), text(j, "username"), Secret(text(j, "secret"))};
}

std::string encode(const PullTestRequest& r) {
  json j = {{"image", r.image}};
  if (!r.ca_files.empty()) j["caFiles"] = r.ca_files;
  if (!r.namespace_.empty()) j["namespace"] = r.namespace_;
  return j.dump();
}

Result<PullTestRequest> decode_pulltest_request(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("image") || !j["image"].is_string()) {
    return fail(Code::invalid_argument, "expected {\"image\": \"...\"}");
  }
  PullTestRequest r{j["image"].get<std::string>(), json_value(j, "namespace", ""), {}};
  if (auto c = j.find("caFiles"); c != j.end() && c->is_array()) {
    for (const auto& f : *c) {
      if (f.is_string()) r.ca_files.push_back(f.get<std::string>());
    }
  }
  return r;
}

}  // namespace regcred::core::socket_api
