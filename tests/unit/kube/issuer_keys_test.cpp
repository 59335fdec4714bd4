// Service account tokens checked against the issuer's keys: tokens signed here with keys made
// here (RS256 and ES256, as kube-apiserver signs), and the forgeries the provider endpoint must
// refuse: unsigned, another key's, a changed payload, another audience, expired, no exp.
#include "common/kube/issuer_keys.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "common/core/go/encoding.hpp"

namespace regcred::kube {
namespace {

using nlohmann::json;
constexpr std::int64_t k_now = 1767225600;

std::string b64url(std::string_view bytes) {
  std::string s = core::base64_encode(bytes);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  s.erase(std::remove(s.begin(), s.end(), '='), s.end());
  return s;
}

std::string bn_bytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

// A key made for the test, its JWK, and tokens signed with it.
struct TestKey {
  std::string alg;
  std::string kid;
  EVP_PKEY* pkey = nullptr;
  TestKey(std::string a, std::string k) : alg(std::move(a)), kid(std::move(k)) {
    pkey = alg == "RS256" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  }
  ~TestKey() { EVP_PKEY_free(pkey); }
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  json jwk() const {
    if (alg == "RS256") {
      return {{"kty", "RSA"},
              {"alg", "RS256"},
              {"use", "sig"},
              {"kid", kid},
              {"n", b64url(bn_bytes(pkey, OSSL_PKEY_PARAM_RSA_N))},
              {"e", b64url(bn_bytes(pkey, OSSL_PKEY_PARAM_RSA_E))}};
    }
    unsigned char point[65];
    std::size_t len = 0;
    EXPECT_EQ(
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len),
        1);
    const std::string p(reinterpret_cast<char*>(point), len);
    return {{"kty", "EC"},
            {"crv", "P-256"},
            {"alg", "ES256"},
            {"use", "sig"},
            {"kid", kid},
            {"x", b64url(p.substr(1, 32))},
            {"y", b64url(p.substr(33, 32))}};
  }

  std::string sign(const std::string& input) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey), 1);
    EXPECT_EQ(EVP_DigestSign(md, nullptr, &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    EVP_MD_CTX_free(md);
    sig.resize(len);
    if (alg == "RS256") return sig;
    const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data() + 32), 32);
    ECDSA_SIG_free(es);
    return raw;
  }

  std::string token(const json& claims, std::string header_alg = "") const {
    const json header = {{"alg", header_alg.empty() ? alg : header_alg}, {"kid", kid}};
    const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
    return input + "." + b64url(sign(input));
  }
};

json claims(const std::string& ns, json extra = json::object()) {
  json c = {{"aud", json::array({"regcred.io"})},
            {"exp", k_now + 600},
            {"iat", k_now - 10},
            {"nbf", k_now - 10},
            {"iss", "https://kubernetes.default.svc.cluster.local"},
            {"sub", "system:serviceaccount:" + ns + ":default"},
            {"kubernetes.io", {{"namespace", ns}, {"serviceaccount", {{"name", "default"}}}}}};
  c.update(extra);
  return c;
}

const core::ClaimRules k_rules{"regcred.io", "", k_now, 60};

Result<std::string> ns_of(const std::string& token, const IssuerKeys& keys,
                          core::ClaimRules rules = k_rules) {
  return verified_namespace(Secret(token), keys, rules);
}

class IssuerKeysTest : public ::testing::Test {
 protected:
  TestKey rsa{"RS256", "rsa-1"};
  TestKey ec{"ES256", "ec-1"};
  TestKey other{"RS256", "rsa-1"};  // an attacker's key under the cluster key's kid
  IssuerKeys keys = IssuerKeys::parse(json{{"keys", {rsa.jwk(), ec.jwk()}}}.dump()).value();
};

TEST_F(IssuerKeysTest, TokensSignedWithTheIssuersKeysVerify) {
  EXPECT_EQ(keys.size(), 2U);
  EXPECT_EQ(ns_of(rsa.token(claims("team-a")), keys).value(), "team-a");
  EXPECT_EQ(ns_of(ec.token(claims("team-b")), keys).value(), "team-b");
  // aud as a single string, as RFC 7519 allows.
  EXPECT_EQ(ns_of(rsa.token(claims("team-a", {{"aud", "regcred.io"}})), keys).value(), "team-a");
}

TEST_F(IssuerKeysTest, ForgeriesAreRefused) {
  const std::string good = rsa.token(claims("team-a"));
  // Unsigned: alg none, no signature.
  const std::string unsigned_token =
      b64url(json{{"alg", "none"}}.dump()) + "." + b64url(claims("team-a").dump()) + ".";
  auto r = ns_of(unsigned_token, keys);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("alg none"), std::string::npos) << r.error().message;
  // Signed by another key that claims the cluster key's kid.
  r = ns_of(other.token(claims("team-a")), keys);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not verify"), std::string::npos) << r.error().message;
  // The payload swapped for another namespace's, the signature kept.
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  const std::string swapped =
      good.substr(0, dot1) + "." + b64url(claims("team-b").dump()) + good.substr(dot2);
  EXPECT_FALSE(ns_of(swapped, keys));
  // RS256 signature sent as HS256 (the key's bytes as an HMAC secret), or as ES256.
  EXPECT_FALSE(ns_of(rsa.token(claims("team-a"), "HS256"), keys));
  EXPECT_FALSE(ns_of(rsa.token(claims("team-a"), "ES256"), keys));
  // Not a JWT at all; the text never reaches the message.
  r = ns_of("secret-token-text", keys);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("secret-token-text"), std::string::npos);
}

TEST_F(IssuerKeysTest, ClaimsMustHoldOnceTheSignatureDoes) {
  auto refused = [&](const json& c, std::string_view why) {
    auto r = ns_of(rsa.token(c), keys);
    ASSERT_FALSE(r) << why;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  };
  refused(claims("team-a", {{"aud", json::array({"https://kubernetes.default.svc"})}}), "aud");
  refused(claims("team-a", {{"exp", k_now - 61}}), "expired");
  json no_exp = claims("team-a");
  no_exp.erase("exp");
  refused(no_exp, "exp: missing");
  refused(claims("team-a", {{"nbf", k_now + 61}}), "nbf");
  refused(claims("team-a", {{"iat", k_now + 61}}), "iat");
  // Within the leeway both ways.
  EXPECT_TRUE(ns_of(rsa.token(claims("team-a", {{"exp", k_now - 59}, {"nbf", k_now + 59}})), keys));
  // The issuer, when one is configured.
  core::ClaimRules iss = k_rules;
  iss.issuer = "https://other.example";
  EXPECT_FALSE(ns_of(rsa.token(claims("team-a")), keys, iss));
  iss.issuer = "https://kubernetes.default.svc.cluster.local";
  EXPECT_TRUE(ns_of(rsa.token(claims("team-a")), keys, iss));
}

TEST_F(IssuerKeysTest, AnUnknownKidSaysSo) {
  TestKey rotated{"ES256", "ec-2"};
  auto r = ns_of(rotated.token(claims("team-a")), keys);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::not_found);
  EXPECT_FALSE(keys.knows("ec-2"));
  EXPECT_TRUE(keys.knows("ec-1"));
}

TEST(IssuerKeys, SetsWithoutUsableKeysAreRefused) {
  EXPECT_FALSE(IssuerKeys::parse("not json"));
  EXPECT_FALSE(IssuerKeys::parse("{\"keys\": []}"));
  EXPECT_FALSE(IssuerKeys::parse("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}"));
  // A short RSA modulus, a P-384 key, an encryption key: skipped.
  EXPECT_FALSE(IssuerKeys::parse(
      R"({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"},
                   {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]})"));
  TestKey k{"ES256", "x"};
  json enc = k.jwk();
  enc["use"] = "enc";
  EXPECT_FALSE(IssuerKeys::parse(json{{"keys", {enc}}}.dump()));
}

}  // namespace
}  // namespace regcred::kube
