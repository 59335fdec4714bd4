// jwt.hpp: a JSON Web Token (RFC 7519) in compact serialisation, read but not yet trusted: the
// header's alg and kid, the claims, and the bytes the signature covers. Whether the signature
// holds is checked with the issuer's keys at the edge (common/kube/issuer_keys, OpenSSL);
// check_claims() says whether a token that verified is meant for us and still good.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core {

struct Jwt {
  std::string alg;
  std::string kid;
  nlohmann::json claims;      // an object
  std::string signing_input;  // "header.payload" as sent
  std::string signature;      // decoded bytes
};

// Errors name the part that is wrong, never the token's text.
Result<Jwt> parse_jwt(const Secret& token);

struct ClaimRules {
  std::string audience;      // must be `aud` or one of its values
  std::string issuer;        // must be `iss`; "" takes any
  std::int64_t now = 0;      // Unix seconds
  std::int64_t leeway = 60;  // clock skew allowed for exp, nbf and iat
};

// exp is required and not past; nbf and iat are not in the future; aud holds the audience;
// iss is the issuer when one is set.
Result<void> check_claims(const nlohmann::json& claims, const ClaimRules& rules);

}  // namespace regcred::core
