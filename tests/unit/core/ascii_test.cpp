#include "common/core/ascii.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

// Header names, schemes, auth parameters: only A-Z fold. A UTF-8 name keeps its bytes (Go's
// net/http and the Docker CLI fold ASCII only there too), whatever the process's locale.
TEST(Ascii, FoldsAsciiLettersOnly) {
  EXPECT_EQ(ascii_lower("Bearer REALM=\"X\" Content-Encoding GZIP"),
            "bearer realm=\"x\" content-encoding gzip");
  EXPECT_EQ(ascii_lower("\xc3\x9c-Ab@[`{"), "\xc3\x9c-ab@[`{");
  EXPECT_TRUE(ascii_iequals("IdentityToken", "identitytoken"));
  EXPECT_TRUE(ascii_iequals("", ""));
  EXPECT_FALSE(ascii_iequals("auth", "auths"));
  EXPECT_FALSE(ascii_iequals("@", "`"));                // 0x40 and 0x60 are not a letter pair
  EXPECT_FALSE(ascii_iequals("\xc3\x9c", "\xc3\xbc"));  // Ü and ü: not ASCII
}

}  // namespace
}  // namespace regcred::core
