// issuer_keys.hpp: the cluster's service-account issuer keys, as the API server publishes them
// (/openid/v1/jwks, a JSON Web Key Set, RFC 7517), and the check of a token's signature with
// them: RS256 (RSA PKCS #1 v1.5 with SHA-256) and ES256 (P-256 with SHA-256), what
// kube-apiserver signs service-account tokens with. OpenSSL stays inside issuer_keys.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/jwt.hpp"
#include "common/core/result.hpp"

namespace regcred::kube {

class IssuerKeys {
 public:
  // Keys of another type, curve or use are skipped; a set with no usable key is an error.
  static Result<IssuerKeys> parse(std::string_view jwks);
  // The signature of `token` with the key its kid names (any key of its alg when it names
  // none). Only RS256 and ES256; "none" and every other alg are refused.
  Result<void> verify(const core::Jwt& token) const;
  std::size_t size() const { return keys_.size(); }
  bool knows(std::string_view kid) const;

 private:
  struct Key;
  std::vector<std::shared_ptr<const Key>> keys_;
};

// The namespace of a service account token, once its signature verifies and its claims hold
// (core::check_claims); nothing is taken from a token before that.
Result<std::string> verified_namespace(const Secret& token, const IssuerKeys& keys,
                                       const core::ClaimRules& rules);

}  // namespace regcred::kube
