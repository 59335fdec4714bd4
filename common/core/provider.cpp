#include "common/core/provider.hpp"
#include "common/core/json_fields.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "common/core/go/encoding.hpp"
#include "common/core/provider_config.hpp"
#include "common/core/provider_detail.hpp"
#include "common/core/url.hpp"

namespace regcred::core {
namespace {

using detail::dq;
using detail::string_field;
using nlohmann::json;

void put_len16(std::string& out, std::string_view s) {
  out += static_cast<char>((s.size() >> 8U) & 0xFFU);
  out += static_cast<char>(s.size() & 0xFFU);
  out += s;
}

// nlohmann with a check Go's strict decoders make and nlohmann does not: no key twice in an
// object. Errors are reduced to a position (the library's texts quote the input).
Result<json> parse_strict(std::string_view text, const std::string& what) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start)
      keys.emplace_back();
    else if (ev == json::parse_event_t::object_end)
      keys.pop_back();
    else if (ev == json::parse_event_t::key && !keys.empty()) {
      if (!keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  try {
    json j = json::parse(text, cb);
    if (!duplicate.empty()) {
      return fail(Code::parse_error, "strict decoding error: duplicate field " + dq(duplicate));
    }
    return j;
  } catch (const json::parse_error& e) {
    return fail(Code::parse_error, what + ": not JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {  // out_of_range: a number too large, ...
    return fail(Code::parse_error, what + ": not JSON (a value out of range)");
  }
}

}  // namespace

namespace detail {

std::string dq(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.append(1, '"').append(s).append(1, '"');
  return out;
}

Result<std::string> string_field(const nlohmann::json& obj, const char* name,
                                 const std::string& at) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(Code::invalid_argument, at + name + ": expected a string");
  return it->get<std::string>();
}

}  // namespace detail

bool is_provider_api_version(std::string_view v) {
  return v == k_provider_v1 || v == k_provider_v1beta1 || v == k_provider_v1alpha1;
}

// ---- request ----

Result<ProviderRequest> parse_provider_request(std::string_view text) {
  REGCRED_TRY_ASSIGN(json j, parse_strict(text, "read the CredentialProviderRequest"));
  if (!j.is_object()) {
    return fail(Code::invalid_argument, "read the CredentialProviderRequest: not a JSON object");
  }
  ProviderRequest r;
  REGCRED_TRY_ASSIGN(r.api_version, string_field(j, "apiVersion", ""));
  if (!is_provider_api_version(r.api_version)) {
    return fail(Code::invalid_argument, "apiVersion " + dq(r.api_version) +
                                            " is not supported: want " +
                                            std::string(k_provider_v1) + ", v1beta1 or v1alpha1");
  }
  REGCRED_TRY_ASSIGN(std::string kind, string_field(j, "kind", ""));
  if (kind != "CredentialProviderRequest") {
    return fail(Code::invalid_argument,
                "kind " + dq(kind) + " is not supported: want CredentialProviderRequest");
  }
  if (!j.contains("image")) return fail(Code::invalid_argument, "image: missing");
  REGCRED_TRY_ASSIGN(r.image, string_field(j, "image", ""));
  if (r.api_version == k_provider_v1) {
    REGCRED_TRY_ASSIGN(std::string token, string_field(j, "serviceAccountToken", ""));
    r.service_account_token = Secret(std::move(token));
    if (auto a = j.find("serviceAccountAnnotations"); a != j.end() && !a->is_null()) {
      if (!a->is_object()) {
        return fail(Code::invalid_argument, "serviceAccountAnnotations: expected an object");
      }
      for (const auto& [k, v] : a->items()) {
        if (!v.is_string()) {
          return fail(Code::invalid_argument,
                      "serviceAccountAnnotations." + k + ": expected a string");
        }
        r.service_account_annotations[k] = v.get<std::string>();
      }
    }
  }
  return r;
}

std::string encode_provider_request(const ProviderRequest& r) {
  std::string out = "{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":";
  out += go_json_quote(r.api_version);
  out += ",\"image\":";
  out += go_json_quote(r.image);
  if (r.api_version == k_provider_v1) {
    if (!r.service_account_token.empty()) {
      out += ",\"serviceAccountToken\":";
      out += go_json_quote(r.service_account_token.reveal());
    }
    if (!r.service_account_annotations.empty()) {
      out += ",\"serviceAccountAnnotations\":{";
      bool first = true;
      for (const auto& [k, v] : r.service_account_annotations) {
        if (!first) out += ',';
        first = false;
        out += go_json_quote(k) + ":" + go_json_quote(v);
      }
      out += '}';
    }
  }
  out += "}\n";
  return out;
}

// ---- response ----

std::string encode_provider_response(const ProviderResponse& r) {
  std::string out = "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":";
  out += go_json_quote(r.api_version);
  out += ",\"cacheKeyType\":";
  out += go_json_quote(r.cache_key_type);
  if (r.cache_duration) {
    out += ",\"cacheDuration\":";
    out += go_json_quote(*r.cache_duration);
  }
  out += ",\"auth\":{";
  bool first = true;
  for (const auto& [pattern, a] : r.auth) {
    if (!first) out += ',';
    first = false;
    out += go_json_quote(pattern);
    out += ":{\"username\":";
    out += go_json_quote(a.username);
    out += ",\"password\":";
    out += go_json_quote(a.password.reveal());
    out += '}';
  }
  out += "}}\n";
  return out;
}

Result<DecodedResponse> decode_provider_response(std::string_view text,
                                                 std::string_view expected_api_version) {
  auto parsed = parse_strict(text, "error reading GVK from response");
  if (!parsed) return fail(parsed.error());
  const json& j = *parsed;
  if (!j.is_object() || !j.contains("apiVersion") || !j["apiVersion"].is_string()) {
    return fail(Code::parse_error, "error reading GVK from response");
  }
  const std::string api = j["apiVersion"];
  if (api != expected_api_version) {
    return fail(Code::invalid_argument,
                "apiVersion from credential plugin response did not match expected apiVersion:" +
                    std::string(expected_api_version) + ", actual apiVersion:" + api);
  }
  if (api.substr(0, api.find('/')) != k_provider_group || !is_provider_api_version(api)) {
    return fail(Code::invalid_argument,
                "group version " + api + " is not a credential provider API");
  }
  static const std::set<std::string> known = {"kind", "apiVersion", "cacheKeyType", "cacheDuration",
                                              "auth"};
  for (const auto& [k, v] : j.items()) {
    if (!known.contains(k)) {
      return fail(Code::parse_error, "strict decoding error: unknown field " + dq(k));
    }
  }
  DecodedResponse d;
  d.response.api_version = api;
  REGCRED_TRY_ASSIGN(std::string kind, string_field(j, "kind", ""));
  if (kind != "CredentialProviderResponse") {
    return fail(Code::invalid_argument,
                "unexpected kind " + dq(kind) + " in the credential provider plugin response");
  }
  REGCRED_TRY_ASSIGN(d.response.cache_key_type, string_field(j, "cacheKeyType", ""));
  const auto& t = d.response.cache_key_type;
  if (t != "Image" && t != "Registry" && t != "Global") {
    return fail(Code::invalid_argument,
                "credential provider plugin did not return a valid cacheKeyType: " + dq(t));
  }
  if (auto it = j.find("cacheDuration"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fail(Code::parse_error, "cacheDuration: expected a string");
    REGCRED_TRY_ASSIGN(auto dur, parse_go_duration(it->get<std::string>()));
    d.response.cache_duration = it->get<std::string>();
    d.cache_duration = dur;
  }
  if (auto it = j.find("auth"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return fail(Code::parse_error, "auth: expected an object");
    for (const auto& [pattern, cred] : it->items()) {
      if (!cred.is_object())
        return fail(Code::parse_error, "auth." + pattern + ": expected an object");
      for (const auto& [k, v] : cred.items()) {
        if (k != "username" && k != "password") {
          return fail(Code::parse_error,
                      "strict decoding error: unknown field " + dq("auth[" + pattern + "]." + k));
        }
        if (!v.is_string() && !v.is_null()) {
          return fail(Code::parse_error, "auth." + pattern + "." + k + ": expected a string");
        }
      }
      ProviderAuth a;
      REGCRED_TRY_ASSIGN(a.username, string_field(cred, "username", "auth." + pattern + "."));
      REGCRED_TRY_ASSIGN(std::string pw, string_field(cred, "password", "auth." + pattern + "."));
      a.password = Secret(std::move(pw));
      d.response.auth.emplace(pattern, std::move(a));
    }
  }
  return d;
}

// ---- kubelet's caches ----

std::string kubelet_cache_key(std::string_view base_key, std::string_view sa_key) {
  std::string out;
  put_len16(out, base_key);
  put_len16(out, sa_key);
  return out;
}

std::string kubelet_sa_cache_key(std::string_view ns, std::string_view name, std::string_view uid,
                                 const std::map<std::string, std::string>& annotations,
                                 std::string_view token_hash) {
  std::string out;
  put_len16(out, ns);
  put_len16(out, name);
  put_len16(out, uid);
  const auto n = static_cast<std::uint32_t>(annotations.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> static_cast<unsigned>(shift)) & 0xFFU);
  for (const auto& [k, v] : annotations) {
    put_len16(out, k);
    put_len16(out, v);
  }
  if (!token_hash.empty()) {
    put_len16(out, "token");
    put_len16(out, token_hash);
  }
  return out;
}

// ---- service account tokens ----

Result<ServiceAccountClaims> service_account_claims(const Secret& token) {
  const std::string& t = token.reveal();
  auto dot1 = t.find('.');
  auto dot2 = dot1 == std::string::npos ? dot1 : t.find('.', dot1 + 1);
  if (dot2 == std::string::npos) {
    return fail(Code::invalid_argument,
                "serviceAccountToken: not a JWT (header.payload.signature)");
  }
  std::string payload = t.substr(dot1 + 1, dot2 - dot1 - 1);
  std::replace(payload.begin(), payload.end(), '-', '+');
  std::replace(payload.begin(), payload.end(), '_', '/');
  auto raw = base64_decode(payload, Padding::none);
  if (!raw)
    return fail(Code::invalid_argument, "serviceAccountToken: payload: " + raw.error().message);
  json claims = json::parse(*raw, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return fail(Code::invalid_argument, "serviceAccountToken: payload is not a JSON object");
  }
  ServiceAccountClaims c;
  // Bound tokens carry "kubernetes.io": {namespace, serviceaccount{name,uid}, pod{name,uid}}.
  if (auto k = claims.find("kubernetes.io"); k != claims.end() && k->is_object()) {
    c.namespace_ = json_value(*k, "namespace", "");
    if (auto sa = k->find("serviceaccount"); sa != k->end() && sa->is_object()) {
      c.name = json_value(*sa, "name", "");
      c.uid = json_value(*sa, "uid", "");
    }
    if (auto pod = k->find("pod"); pod != k->end() && pod->is_object())
      c.pod = json_value(*pod, "name", "");
  }
  // sub: system:serviceaccount:<namespace>:<name>; it must agree with the claims above.
  const std::string sub = json_value(claims, "sub", "");
  const std::string prefix = "system:serviceaccount:";
  if (sub.starts_with(prefix)) {
    std::string rest = sub.substr(prefix.size());
    auto colon = rest.find(':');
    std::string ns = rest.substr(0, colon);
    std::string name = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if ((!c.namespace_.empty() && c.namespace_ != ns) || (!c.name.empty() && c.name != name)) {
      return fail(Code::invalid_argument,
                  "serviceAccountToken: sub names another service account than kubernetes.io");
    }
    c.namespace_ = ns;
    c.name = name;
  }
  if (c.namespace_.empty()) {
    return fail(Code::invalid_argument, "serviceAccountToken: no namespace in its claims");
  }
  if (auto e = claims.find("exp"); e != claims.end() && e->is_number())
    c.expires = e->get<std::int64_t>();
  return c;
}

}  // namespace regcred::core
