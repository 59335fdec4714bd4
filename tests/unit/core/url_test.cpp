// url: the parts of Go's url.Parse regcred relies on beyond the registry vectors: a proxy
// URL's credential, decoded as Go's URL.User and libcurl decode it.
#include <gtest/gtest.h>

#include "common/core/url.hpp"

namespace regcred::core {
namespace {

TEST(ParseUrl, UserinfoIsDecodedAndApartFromTheHost) {
  auto u = parse_url("http://us%40er:p%3As%2Fs@proxy.example:3128/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->hostname, "proxy.example");
  EXPECT_EQ(u->host, "proxy.example:3128");
  EXPECT_EQ(u->user, "us@er");
  EXPECT_EQ(u->password, Secret("p:s/s"));
}

TEST(ParseUrl, NoUserinfoNoCredential) {
  auto u = parse_url("http://proxy.example:3128");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "");
  EXPECT_TRUE(u->password.empty());
  auto only_user = parse_url("http://alice@proxy.example");
  ASSERT_TRUE(only_user);
  EXPECT_EQ(only_user->user, "alice");
  EXPECT_TRUE(only_user->password.empty());
}

}  // namespace
}  // namespace regcred::core
