// A JWT's parts as parse_jwt reads them, before any trust: what is malformed is refused with
// the part named and the token's text never repeated.
#include "common/core/jwt.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

TEST(Jwt, ReadsTheParts) {
  // {"alg":"RS256","kid":"k1"} . {"exp":1} . "sig"
  auto t = parse_jwt(Secret("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJleHAiOjF9.c2ln"));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->alg, "RS256");
  EXPECT_EQ(t->kid, "k1");
  EXPECT_EQ(t->claims["exp"], 1);
  EXPECT_EQ(t->signature, "sig");
  EXPECT_EQ(t->signing_input, "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJleHAiOjF9");
}

TEST(Jwt, RefusesWhatIsNotACompactJws) {
  for (const char* bad : {"", "a.b", "a.b.c.d", "eyJhIjoxfQ.e30.c2ln+", "e30.eyJhIjoxfQ==.c2ln",
                          "bnVsbA.e30.c2ln", "e30.W10.c2ln"}) {
    auto t = parse_jwt(Secret(bad));
    ASSERT_FALSE(t) << bad;
    if (std::string_view(bad).size() > 3) {
      EXPECT_EQ(t.error().message.find(bad), std::string::npos);
    }
  }
}

TEST(Jwt, ClaimRules) {
  const ClaimRules rules{"regcred.io", "", 1000, 60};
  nlohmann::json c = {{"exp", 2000}, {"aud", "regcred.io"}};
  EXPECT_TRUE(check_claims(c, rules));
  c["exp"] = "2000";  // a string is no expiry
  EXPECT_FALSE(check_claims(c, rules));
  c["exp"] = 1e300;  // beyond any time: refused, no overflow
  EXPECT_FALSE(check_claims(c, rules));
  c["exp"] = 2000;
  c["aud"] = nlohmann::json::array({"a", 7, "regcred.io"});
  EXPECT_TRUE(check_claims(c, rules));
  c["aud"] = nlohmann::json::object({{"regcred.io", true}});
  EXPECT_FALSE(check_claims(c, rules));
  c.erase("aud");
  EXPECT_FALSE(check_claims(c, rules));
}

}  // namespace
}  // namespace regcred::core
