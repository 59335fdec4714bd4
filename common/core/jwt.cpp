#include "common/core/jwt.hpp"

#include <algorithm>

#include "common/core/go/encoding.hpp"
#include "common/core/json_fields.hpp"

namespace regcred::core {
namespace {

using nlohmann::json;

// base64url without padding (RFC 7515 §2).
Result<std::string> base64url_decode(std::string text) {
  if (text.find_first_of("+/=") != std::string::npos) {
    return fail(Code::invalid_argument, "not base64url");
  }
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  return base64_decode(text, Padding::none);
}

Result<json> json_object_part(const std::string& part, std::string_view name) {
  auto raw = base64url_decode(part);
  if (!raw) return fail(Code::invalid_argument, std::string(name) + ": " + raw.error().message);
  json j = json::parse(*raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Code::invalid_argument, std::string(name) + ": not a JSON object");
  }
  return j;
}

std::optional<std::int64_t> number_claim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (v != v || v > 9.2e18 || v < -9.2e18) return std::nullopt;  // NaN or beyond int64
  return static_cast<std::int64_t>(v);
}

}  // namespace

Result<Jwt> parse_jwt(const Secret& token) {
  const std::string& t = token.reveal();
  const auto dot1 = t.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : t.find('.', dot1 + 1);
  if (dot2 == std::string::npos || t.find('.', dot2 + 1) != std::string::npos) {
    return fail(Code::invalid_argument, "not a JWT (header.payload.signature)");
  }
  REGCRED_TRY_ASSIGN(json header, json_object_part(t.substr(0, dot1), "header"));
  Jwt out;
  REGCRED_TRY_ASSIGN(out.claims, json_object_part(t.substr(dot1 + 1, dot2 - dot1 - 1), "payload"));
  auto sig = base64url_decode(t.substr(dot2 + 1));
  if (!sig) return fail(Code::invalid_argument, "signature: " + sig.error().message);
  out.signature = std::move(*sig);
  out.alg = json_value(header, "alg", "");
  out.kid = json_value(header, "kid", "");
  out.signing_input = t.substr(0, dot2);
  return out;
}

Result<void> check_claims(const json& claims, const ClaimRules& rules) {
  const auto exp = number_claim(claims, "exp");
  if (!exp) return fail(Code::invalid_argument, "exp: missing (a token must expire)");
  if (rules.now > *exp + rules.leeway) return fail(Code::invalid_argument, "expired");
  if (auto nbf = number_claim(claims, "nbf"); nbf && rules.now + rules.leeway < *nbf) {
    return fail(Code::invalid_argument, "nbf: not valid yet");
  }
  if (auto iat = number_claim(claims, "iat"); iat && rules.now + rules.leeway < *iat) {
    return fail(Code::invalid_argument, "iat: issued in the future");
  }
  bool audience = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) audience = aud->get<std::string>() == rules.audience;
    if (aud->is_array()) {
      audience = std::any_of(aud->begin(), aud->end(), [&](const json& a) {
        return a.is_string() && a.get<std::string>() == rules.audience;
      });
    }
  }
  if (!audience) return fail(Code::invalid_argument, "aud: not for " + rules.audience);
  if (!rules.issuer.empty() && json_value(claims, "iss", "") != rules.issuer) {
    return fail(Code::invalid_argument, "iss: not " + rules.issuer);
  }
  return ok();
}

}  // namespace regcred::core
