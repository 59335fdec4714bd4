#include "common/core/credential_helper.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/core/ascii.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/go/json_scanner.hpp"

namespace regcred::core::helper {
namespace {

constexpr std::size_t k_max_token = 64 * 1024;  // bufio.MaxScanTokenSize

std::string_view go_kind(const nlohmann::json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  return "number";
}

}  // namespace

Result<std::string> join_lines(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  while (!raw.empty()) {
    std::size_t nl = raw.find('\n');
    std::string_view line = raw.substr(0, nl);
    // The scanner's buffer must hold the line and its newline; one byte short is the limit.
    if (line.size() >= k_max_token)
      return fail(Code::invalid_argument, "bufio.Scanner: token too long");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += line;
    if (nl == std::string_view::npos) break;
    raw.remove_prefix(nl + 1);
  }
  return out;
}

Result<Credentials> parse_store(std::string_view joined) {
  REGCRED_TRY_ASSIGN(std::size_t end, go_json_scan_value(joined));
  nlohmann::ordered_json v;
  try {
    v = nlohmann::ordered_json::parse(go_utf8_sanitize(joined.substr(0, end)));
  } catch (const nlohmann::json::exception&) {
    // The scanner accepted it; nlohmann refuses lone surrogate escapes, which Go replaces, and
    // numbers beyond a double, which Go would report as a type error for these string fields.
    return fail(Code::parse_error, "invalid JSON string escape or number");
  }
  Credentials c;
  if (v.is_null()) return fail(Code::invalid_argument, std::string(k_missing_server));
  if (!v.is_object()) {
    return fail(Code::parse_error, "json: cannot unmarshal " + std::string(go_kind(v)) +
                                       " into Go value of type credentials.Credentials");
  }
  std::string type_error;
  std::string secret;
  static constexpr std::array<std::string_view, 3> fields = {"ServerURL", "Username", "Secret"};
  for (const auto& item : v.items()) {
    const std::string& name = item.key();
    const auto& value = item.value();
    // encoding/json: an exact name first, then a case-insensitive one.
    auto f = std::find(fields.begin(), fields.end(), name);
    if (f == fields.end()) {
      f = std::find_if(fields.begin(), fields.end(),
                       [&](std::string_view field) { return ascii_iequals(field, name); });
    }
    if (f == fields.end() || value.is_null()) continue;
    if (!value.is_string()) {
      if (type_error.empty()) {
        type_error = "json: cannot unmarshal " + std::string(go_kind(value)) +
                     " into Go struct field Credentials." + std::string(*f) + " of type string";
      }
      continue;
    }
    std::string s = value.get<std::string>();
    if (*f == "ServerURL")
      c.server_url = std::move(s);
    else if (*f == "Username")
      c.username = std::move(s);
    else
      secret = std::move(s);
  }
  c.secret = Secret(std::move(secret));
  if (!type_error.empty()) return fail(Code::parse_error, type_error);
  if (c.server_url.empty()) return fail(Code::invalid_argument, std::string(k_missing_server));
  if (c.username.empty()) return fail(Code::invalid_argument, std::string(k_missing_username));
  return c;
}

std::string format_get(std::string_view server_url, std::string_view username,
                       const Secret& secret) {
  std::string out = "{\"ServerURL\":";
  out += go_json_quote(server_url);
  out += ",\"Username\":";
  out += go_json_quote(username);
  out += ",\"Secret\":";
  out += go_json_quote(secret.reveal());
  out += "}\n";
  return out;
}

std::string format_list(const std::map<std::string, std::string>& entries) {
  std::string out = "{";
  for (const auto& [url, user] : entries) {
    if (out.size() > 1) out += ',';
    out += go_json_quote(url);
    out += ':';
    out += go_json_quote(user);
  }
  out += "}\n";
  return out;
}

std::optional<std::string> registry_of(std::string_view server) {
  std::string_view s = go_trim_space(server);
  if (auto p = s.find("://"); p != std::string_view::npos) s.remove_prefix(p + 3);
  std::size_t host_end = s.find_first_of("/?#");
  std::string_view host = s.substr(0, host_end);
  std::string_view path;
  if (host_end != std::string_view::npos && s[host_end] == '/') {
    path = s.substr(host_end);
    path = path.substr(0, path.find_first_of("?#"));
  }
  if (host.empty()) return std::nullopt;
  // "/v1/" and "/v2/" are API versions, not namespaces (kubelet drops them the same way).
  for (std::string_view v : {"/v1", "/v2"}) {
    if (path == v || path.starts_with(std::string(v) + "/")) {
      path.remove_prefix(v.size());
      break;
    }
  }
  while (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  if (!path.empty()) return std::nullopt;
  std::string h = ascii_lower(host);
  if (h == "index.docker.io" || h == "registry-1.docker.io" || h == "docker.io") return "docker.io";
  return h;
}

}  // namespace regcred::core::helper
