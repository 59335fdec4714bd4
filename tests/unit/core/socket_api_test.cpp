// The status socket's contract, as both sides encode and decode it.
#include "common/core/socket_api.hpp"

#include <gtest/gtest.h>

namespace regcred::core::socket_api {
namespace {

TEST(SocketApi, ServerRequestsRoundTrip) {
  auto r = decode_server_request(encode(ServerRequest{"https://reg.example.com"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->server, "https://reg.example.com");
  EXPECT_EQ(decode_server_request("[1]").error().message, "the body is not a JSON object");
  EXPECT_EQ(decode_server_request("{}")->server, "");
}

TEST(SocketApi, AGetAnswerCarriesTheSecretOnlyInItsMember) {
  auto j = to_json(GetAnswer{"u", Secret("s3cret"), "reg.example.com", "team-a/pull"});
  EXPECT_EQ(j["secret"], "s3cret");
  auto back = decode_get_answer(j.dump());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->username, "u");
  EXPECT_EQ(back->secret.reveal(), "s3cret");
  EXPECT_EQ(back->key, "reg.example.com");
  EXPECT_EQ(back->from, "team-a/pull");
  EXPECT_FALSE(decode_get_answer("not json"));
}

TEST(SocketApi, StoreRequestsAndLists) {
  auto c = decode_store_request(encode(helper::Credentials{"reg.io", "u", Secret("p")}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server_url, "reg.io");
  EXPECT_EQ(c->username, "u");
  EXPECT_EQ(c->secret.reveal(), "p");
  auto l = decode_list(list_json({{"a.io", "x"}, {"b.io", "y"}}).dump());
  ASSERT_TRUE(l);
  EXPECT_EQ(l->size(), 2U);
  EXPECT_EQ(l->at("b.io"), "y");
}

TEST(SocketApi, PullTestRequests) {
  auto r = decode_pulltest_request(encode(PullTestRequest{"nginx", "team-a", {"/ca.crt"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->image, "nginx");
  EXPECT_EQ(r->namespace_, "team-a");
  EXPECT_EQ(r->ca_files, std::vector<std::string>{"/ca.crt"});
  EXPECT_EQ(encode(PullTestRequest{"nginx", "", {}}), R"({"image":"nginx"})");
  EXPECT_EQ(decode_pulltest_request("{}").error().message, "expected {\"image\": \"...\"}");
}

// The query is read as a query: a parameter whose name merely ends in cacheDuration is not it.
TEST(SocketApi, TheProviderTargetAndItsCacheDuration) {
  EXPECT_EQ(provider_target("1m0s"), "/v1/provider?cacheDuration=1m0s");
  EXPECT_EQ(provider_cache_duration(provider_target("1m30s")), "1m30s");
  EXPECT_EQ(provider_cache_duration("/v1/provider?xcacheDuration=5m"), "");
  EXPECT_EQ(provider_cache_duration("/v1/provider?a=1&cacheDuration=5m&b=2"), "5m");
  EXPECT_EQ(provider_cache_duration("/v1/provider"), "");
  EXPECT_EQ(provider_cache_duration(provider_target("1.5\xc2\xb5s")), "1.5\xc2\xb5s");
}

TEST(SocketApi, ErrorTexts) {
  EXPECT_EQ(error_text(R"({"error":"no","version":"0.1.0"})"), "no");
  EXPECT_EQ(error_text("<html>"), "");
}

}  // namespace
}  // namespace regcred::core::socket_api
