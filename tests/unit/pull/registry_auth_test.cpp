// The registry protocol's texts a pull test reads: challenges as distribution and Docker Hub
// send them, token answers, OCI error bodies, manifests and the platform choice.
#include "common/pull/registry_auth.hpp"

#include <gtest/gtest.h>

namespace regcred::pull {
namespace {

TEST(RegistryAuth, DockerHubsBearerChallenge) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/nginx:pull")");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 1U);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*c)[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ((*c)[0].params.at("scope"), "repository:library/nginx:pull");
}

TEST(RegistryAuth, SeveralChallengesCaseAndEscapes) {
  auto c = parse_www_authenticate(
      R"(Basic REALM="a \"quoted\" realm", Bearer realm="https://t.example/token", error=x)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 2U);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].params.at("realm"), "a \"quoted\" realm");
  EXPECT_EQ((*c)[1].scheme, "bearer");
  EXPECT_EQ((*c)[1].params.at("realm"), "https://t.example/token");
  EXPECT_EQ((*c)[1].params.at("error"), "x");
}

TEST(RegistryAuth, ABrokenChallengeNamesTheByte) {
  auto c = parse_www_authenticate(R"(Bearer realm="never closed)");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("unterminated quoted string at byte"), std::string::npos);
  EXPECT_FALSE(parse_www_authenticate("=x"));
}

TEST(RegistryAuth, TokenOrAccessToken) {
  EXPECT_EQ(parse_token_response(R"({"token":"t1"})")->reveal(), "t1");
  EXPECT_EQ(parse_token_response(R"({"access_token":"t2","expires_in":300})")->reveal(), "t2");
  EXPECT_FALSE(parse_token_response(R"({"expires_in":300})"));
  EXPECT_FALSE(parse_token_response("not json"));
}

TEST(RegistryAuth, TheFirstErrorCode) {
  EXPECT_EQ(registry_error_code(
                R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"x"},{"code":"DENIED"}]})"),
            "MANIFEST_UNKNOWN");
  EXPECT_EQ(registry_error_code(R"({"errors":[]})"), "");
  EXPECT_EQ(registry_error_code("<html>"), "");
}

TEST(RegistryAuth, AnIndexAndThePlatformContainerdWouldPick) {
  auto m = parse_manifest(R"({"schemaVersion":2,"manifests":[
      {"digest":"sha256:a","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
      {"digest":"sha256:b","platform":{"os":"linux","architecture":"amd64"}},
      {"digest":"sha256:c","platform":{"os":"linux","architecture":"arm","variant":"v7"}}]})",
                          "");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->media_type, k_oci_index);  // no mediaType, manifests: an index
  ASSERT_EQ(m->manifests.size(), 3U);
  EXPECT_EQ(select_platform(*m, {"linux", "amd64", ""}), 1U);
  EXPECT_EQ(select_platform(*m, {"linux", "arm64", "v8"}), 0U);
  EXPECT_EQ(select_platform(*m, {"linux", "arm", "v6"}), std::nullopt);
  EXPECT_EQ(select_platform(*m, {"windows", "amd64", ""}), std::nullopt);
}

TEST(RegistryAuth, AnImageManifestTakesItsTypeFromTheHeaderWhenTheBodyHasNone) {
  auto m = parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:cfg"}})",
                          std::string(k_docker_manifest) + "; charset=utf-8");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->media_type, k_docker_manifest);
  EXPECT_EQ(m->config_digest, "sha256:cfg");
  EXPECT_FALSE(is_index_type(m->media_type));
  EXPECT_TRUE(is_index_type(k_docker_list));
  EXPECT_FALSE(parse_manifest("[]", ""));
}

TEST(RegistryAuth, TheAcceptHeaderNamesAllFourTypes) {
  const std::string a = manifest_accept();
  for (auto t : {k_oci_index, k_docker_list, k_oci_manifest, k_docker_manifest})
    EXPECT_NE(a.find(t), std::string::npos) << t;
}

TEST(RealmRefusal, OnlyHttpsAndNeverLinkLocal) {
  EXPECT_FALSE(realm_refusal("https://auth.docker.io/token"));
  EXPECT_FALSE(realm_refusal("https://127.0.0.1:5001/token"));
  EXPECT_FALSE(realm_refusal("https://[2001:db8::1]:443/token"));
  for (const char* bad :
       {"http://auth.example.com/token", "ftp://auth.example.com/token", "file:///etc/shadow",
        "https://169.254.169.254/latest/meta-data/", "https://169.254.0.1:8443/token",
        "https://[fe80::1]/token", "https://[::ffff:169.254.169.254]/token", "/token", ""}) {
    EXPECT_TRUE(realm_refusal(bad)) << bad;
  }
}

TEST(RealmRefusal, LinkLocalAddresses) {
  EXPECT_TRUE(is_link_local_address("169.254.169.254"));
  EXPECT_TRUE(is_link_local_address("fe80::a:b"));
  EXPECT_TRUE(is_link_local_address("febf::1"));
  EXPECT_FALSE(is_link_local_address("fec0::1"));
  EXPECT_FALSE(is_link_local_address("169.255.0.1"));
  EXPECT_FALSE(is_link_local_address("10.0.0.1"));
  EXPECT_FALSE(is_link_local_address("metadata.google.internal"));  // a name: checked on connect
}

}  // namespace
}  // namespace regcred::pull
