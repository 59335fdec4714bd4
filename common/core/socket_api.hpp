// socket_api.hpp: the status socket's contract between regcredd and its clients (the helpers'
// backend, regcredctl): the paths, and each request and answer with its JSON, written once here
// and used on both sides. Decoding never throws: a body that is not the expected shape is an
// error naming what is missing. Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/credential_helper.hpp"
#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core::socket_api {

inline constexpr std::string_view k_status = "/v1/status";
inline constexpr std::string_view k_pulltests = "/v1/pulltests";  // GET, POST; /ID: GET
inline constexpr std::string_view k_reload = "/v1/reload";
inline constexpr std::string_view k_helper_get = "/v1/helper/get";
inline constexpr std::string_view k_helper_list = "/v1/helper/list";
inline constexpr std::string_view k_helper_store = "/v1/helper/store";
inline constexpr std::string_view k_helper_erase = "/v1/helper/erase";
// The provider's body is kubelet's request as it came; the query names the cacheDuration of an
// answer with credentials: /v1/provider?cacheDuration=1m0s.
inline constexpr std::string_view k_provider = "/v1/provider";
std::string provider_target(std::string_view cache_duration);
// The cacheDuration a provider target names; empty when it names none.
std::string provider_cache_duration(std::string_view target);

// Every answer that is not 2xx: {"error": "..."}. The text, or "" when the body has none.
std::string error_text(std::string_view body);

// POST /v1/helper/get {"server": ...} and /v1/helper/erase {"server": ...}.
struct ServerRequest {
  std::string server;
};
std::string encode(const ServerRequest& r);
Result<ServerRequest> decode_server_request(std::string_view body);

// 200 {"username", "secret", "key", "from"}; 404 with helper::k_not_found when none.
struct GetAnswer {
  std::string username;  // helper::k_token_username for an identity token
  Secret secret;
  std::string key;   // the registry key that matched
  std::string from;  // where it came from ("namespace/name", "local")
};
// The daemon answers with JSON objects (the router adds "version").
nlohmann::json to_json(const GetAnswer& a);
Result<GetAnswer> decode_get_answer(std::string_view body);

// 200 {"entries": {server: username}}.
nlohmann::json list_json(const std::map<std::string, std::string>& entries);
Result<std::map<std::string, std::string>> decode_list(std::string_view body);

// POST /v1/helper/store {"serverURL", "username", "secret"}.
std::string encode(const helper::Credentials& c);
Result<helper::Credentials> decode_store_request(std::string_view body);

// POST /v1/pulltests {"image", "namespace"?, "caFiles"?} -> 202 {"id", "status": "running"}.
struct PullTestRequest {
  std::string image;
  std::string namespace_;  // empty: the node's credentials only
  std::vector<std::string> ca_files;
};
std::string encode(const PullTestRequest& r);
Result<PullTestRequest> decode_pulltest_request(std::string_view body);

}  // namespace regcred::core::socket_api
