#include "common/core/image_ref.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

TEST(ImageRef, Normalises) {
  struct Case {
    const char* in;
    const char* name;
    const char* tag;
    const char* digest;
  } cases[] = {
      {"busybox", "docker.io/library/busybox", "", ""},
      {"busybox:1.36", "docker.io/library/busybox", "1.36", ""},
      {"library/busybox", "docker.io/library/busybox", "", ""},
      {"index.docker.io/foo/bar", "docker.io/foo/bar", "", ""},
      {"docker.io/nginx", "docker.io/library/nginx", "", ""},
      {"registry-1.docker.io/foo/bar", "registry-1.docker.io/foo/bar", "", ""},
      {"reg:5000/a/b:t", "reg:5000/a/b", "t", ""},
      {"localhost/app", "localhost/app", "", ""},
      {"csmssim01:80/team/app:v1", "csmssim01:80/team/app", "v1", ""},
      {"[::1]:5000/app", "[::1]:5000/app", "", ""},
      {"gcr.io/p/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "gcr.io/p/app", "",
       "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
      {"a__b/c-d.e_f", "docker.io/a__b/c-d.e_f", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_image_ref(c.in);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->name(), c.name);
    EXPECT_EQ(r->tag, c.tag);
    EXPECT_EQ(r->digest, c.digest);
  }
}

TEST(ImageRef, RejectsWithTheReason) {
  struct Case {
    const char* in;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"Busybox", "lowercase"},
      {"reg.io/App", "lowercase"},
      {"busybox:", "invalid tag"},
      {"busybox:-x", "invalid tag"},
      {"reg.io/a//b", "invalid repository path"},
      {"reg.io:port/a", "invalid registry host"},
      {"-reg.io/a", "invalid registry host"},
      {"app@sha256:abc", "invalid digest"},
      {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "64-byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_image_ref(c.in);
    ASSERT_FALSE(r.has_value()) << r->name();
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
  }
}

TEST(ImageRef, DockerHubSpellings) {
  for (const char* s :
       {"docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/",
        "https://index.docker.io/v1", "http://docker.io", "https://registry-1.docker.io/v2/"})
    EXPECT_TRUE(is_docker_hub(s)) << s;
  for (const char* s : {"quay.io", "docker.io/library", "myhostdocker.io", "docker.io:443"})
    EXPECT_FALSE(is_docker_hub(s)) << s;
}

}  // namespace
}  // namespace regcred::core
