#include "common/core/go/encoding.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string s;
  for (int i = 0; i < 40; ++i) {
    auto d = base64_decode(base64_encode(s));
    ASSERT_TRUE(d.has_value()) << i;
    EXPECT_EQ(*d, s);
    s += static_cast<char>(i * 37);
  }
}

TEST(Base64, GoErrorOffsets) {
  struct Case {
    const char* in;
    Padding padding;
    const char* error;  // nullptr: decodes
  } cases[] = {
      {"dXNlcjpwYXNzMQ", Padding::required, "illegal base64 data at input byte 12"},
      {"dXNlcjpwYXNzMQ", Padding::none, nullptr},
      {" dXNlcjpwYXNz", Padding::required, "illegal base64 data at input byte 0"},
      {"dXM_cjpwYT4-d29yZA==", Padding::required, "illegal base64 data at input byte 3"},
      {"Zm9vOmJhcg== ", Padding::required, "illegal base64 data at input byte 12"},
      {"Zm9vOm\nJhcg==\n", Padding::required, nullptr},
      {"Zm9vOmJhcg=", Padding::required, "illegal base64 data at input byte 11"},
      {"Zm9vOmJhcg==", Padding::none, "illegal base64 data at input byte 10"},
      {"Z", Padding::none, "illegal base64 data at input byte 0"},
      {"", Padding::required, nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = base64_decode(c.in, c.padding);
    if (c.error == nullptr) {
      EXPECT_TRUE(r.has_value()) << r.error().message;
    } else {
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().message, c.error);
    }
  }
}

TEST(Base64, Unpadded) {
  EXPECT_TRUE(base64_is_unpadded("dXNlcjpwYXNzMQ"));
  EXPECT_FALSE(base64_is_unpadded("dXNlcjpwYXNzMQ=="));
  EXPECT_FALSE(base64_is_unpadded("dXNlcjpw"));  // a multiple of 4 needs no padding
  EXPECT_FALSE(base64_is_unpadded("!!!"));
}

TEST(GoJsonQuote, MatchesEncodingJson) {
  EXPECT_EQ(go_json_quote("p<&>"), R"("p\u003c\u0026\u003e")");
  EXPECT_EQ(go_json_quote("a\"b\\c\n\t\r\b\f"), R"("a\"b\\c\n\t\r\b\f")");
  EXPECT_EQ(go_json_quote(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(go_json_quote("pässwörd €"), "\"pässwörd €\"");
  EXPECT_EQ(go_json_quote("\xe2\x80\xa8"), R"("\u2028")");
  EXPECT_EQ(go_json_quote("bad\xff"), R"("bad\ufffd")");
}

TEST(GoTrimSpace, TrimsUnicodeSpace) {
  EXPECT_EQ(go_trim_space("  a b \n"), "a b");
  EXPECT_EQ(go_trim_space("\xc2\xa0x\xe3\x80\x80"), "x");
  EXPECT_EQ(go_trim_space(" \t "), "");
}

}  // namespace
}  // namespace regcred::core
