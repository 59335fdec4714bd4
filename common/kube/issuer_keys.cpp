#include "common/kube/issuer_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/core/go/encoding.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/provider.hpp"

namespace regcred::kube {
namespace {

using nlohmann::json;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::optional<std::string> b64url(const json& jwk, const char* member) {
  std::string text = core::json_value(jwk, member, "");
  if (text.empty() || text.find_first_of("+/=") != std::string::npos) return std::nullopt;
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  auto raw = core::base64_decode(text, core::Padding::none);
  if (!raw) return std::nullopt;
  return std::move(*raw);
}

Bn bignum(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

Pkey from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Pkey(key);
}

Pkey rsa_key(const json& jwk) {
  auto n = b64url(jwk, "n");
  auto e = b64url(jwk, "e");
  if (!n || !e || n->size() < 256) return nullptr;  // at least 2048 bits
  Bn bn_n = bignum(*n);
  Bn bn_e = bignum(*e);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  return from_params("RSA", bld.get());
}

Pkey p256_key(const json& jwk) {
  if (core::json_value(jwk, "crv", "") != "P-256") return nullptr;
  auto x = b64url(jwk, "x");
  auto y = b64url(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  const std::string point = std::string(1, '\x04') + *x + *y;  // SEC 1 uncompressed
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return from_params("EC", bld.get());
}

// JWS carries an ES256 signature as r || s, 32 bytes each (RFC 7518 §3.4); OpenSSL verifies
// the DER of ECDSA-Sig-Value.
std::optional<std::string> es256_der(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  EcSig sig(ECDSA_SIG_new());
  Bn r = bignum(raw.substr(0, 32));
  Bn s = bignum(raw.substr(32));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  (void)r.release();
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

struct IssuerKeys::Key {
  std::string kid;
  std::string alg;  // "RS256" or "ES256"
  Pkey pkey;
};

Result<IssuerKeys> IssuerKeys::parse(std::string_view jwks) {
  const json set = json::parse(jwks, nullptr, false);
  auto list = set.is_object() ? set.find("keys") : set.end();
  if (set.is_discarded() || !set.is_object() || list == set.end() || !list->is_array()) {
    return fail(Code::parse_error, "issuer keys: not a JSON Web Key Set ({\"keys\": [...]})");
  }
  IssuerKeys out;
  for (const auto& jwk : *list) {
    if (!jwk.is_object()) continue;
    const std::string use = core::json_value(jwk, "use", "sig");
    if (use != "sig") continue;
    const std::string kty = core::json_value(jwk, "kty", "");
    auto key = std::make_shared<Key>();
    key->kid = core::json_value(jwk, "kid", "");
    if (kty == "RSA") {
      key->alg = "RS256";
      key->pkey = rsa_key(jwk);
    } else if (kty == "EC") {
      key->alg = "ES256";
      key->pkey = p256_key(jwk);
    }
    const std::string alg = core::json_value(jwk, "alg", key->alg);
    if (key->pkey && alg == key->alg) out.keys_.push_back(std::move(key));
  }
  if (out.keys_.empty()) {
    return fail(Code::parse_error, "issuer keys: no RS256 or ES256 signing key in the set");
  }
  return out;
}

bool IssuerKeys::knows(std::string_view kid) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) { return k->kid == kid; });
}

Result<void> IssuerKeys::verify(const core::Jwt& token) const {
  if (token.alg != "RS256" && token.alg != "ES256") {
    return fail(Code::invalid_argument,
                "alg " + (token.alg.empty() ? std::string("(none)") : token.alg) +
                    ": only RS256 and ES256 are accepted");
  }
  std::string der;
  if (token.alg == "ES256") {
    auto d = es256_der(token.signature);
    if (!d) return fail(Code::invalid_argument, "signature: not an ES256 signature");
    der = std::move(*d);
  }
  const std::string& sig = token.alg == "ES256" ? der : token.signature;
  bool tried = false;
  for (const auto& key : keys_) {
    if (key->alg != token.alg || (!token.kid.empty() && key->kid != token.kid)) continue;
    tried = true;
    MdCtx md(EVP_MD_CTX_new());
    if (md &&
        EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key->pkey.get()) == 1 &&
        EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(token.signing_input.data()),
                         token.signing_input.size()) == 1) {
      return ok();
    }
  }
  if (!tried) return fail(Code::not_found, "kid: no issuer key " + token.kid + " for " + token.alg);
  return fail(Code::invalid_argument, "signature: does not verify with the issuer's key");
}

Result<std::string> verified_namespace(const Secret& token, const IssuerKeys& keys,
                                       const core::ClaimRules& rules) {
  auto checked = [&]() -> Result<void> {
    REGCRED_TRY_ASSIGN(auto jwt, core::parse_jwt(token));
    REGCRED_TRY(keys.verify(jwt));
    return core::check_claims(jwt.claims, rules);
  }();
  if (!checked) return fail(std::move(checked).error().context("serviceAccountToken"));
  REGCRED_TRY_ASSIGN(auto claims, core::service_account_claims(token));
  return claims.namespace_;
}

}  // namespace regcred::kube
