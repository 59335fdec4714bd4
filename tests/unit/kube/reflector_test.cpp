// The reflector's rules, apart from its thread and connection: the requests it sends, what it
// does after each error status, and its backoff (client-go's).
#include "common/kube/list_watch.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace regcred::kube {
namespace {

using namespace std::chrono_literals;

const StreamSpec k_spec{"kube:x/api/v1/secrets?type=kubernetes.io/dockerconfigjson",
                        "/api/v1/namespaces/team-a/secrets", "type=kubernetes.io/dockerconfigjson",
                        "regcred.io/sync=true"};

TEST(Reflector, ListPagesCarrySelectorsLimitAndTheVersionOrTheContinueToken) {
  EXPECT_EQ(
      list_target(k_spec, 500, "", "0"),
      "/api/v1/namespaces/team-a/secrets?fieldSelector=type%3Dkubernetes.io%2Fdockerconfigjson"
      "&labelSelector=regcred.io%2Fsync%3Dtrue&limit=500&resourceVersion=0");
  // A continue token carries the version: the API server refuses both.
  EXPECT_EQ(list_target({"id", "/api/v1/secrets", "", ""}, 10, "eyJ2Ijoi+/=", "0"),
            "/api/v1/secrets?continue=eyJ2Ijoi%2B%2F%3D&limit=10");
  // A consistent read from etcd; a relist from the watch cache, without a limit.
  EXPECT_EQ(list_target({"id", "/p", "", ""}, 500, "", ""), "/p?limit=500");
  EXPECT_EQ(list_target({"id", "/p", "", ""}, 0, "", "12345"), "/p?resourceVersion=12345");
}

TEST(Reflector, ListsAsClientGoMakesThem) {
  // The first list from the watch cache; a relist at the version synced; etcd once it is gone.
  EXPECT_EQ(list_resource_version("", false), "0");
  EXPECT_EQ(list_resource_version("12345", false), "12345");
  EXPECT_EQ(list_resource_version("12345", true), "");
  EXPECT_EQ(list_resource_version("", true), "");
  // Pages for "0" (the cache ignores the limit) and for etcd; none for a relist from the cache,
  // unless the server paged before.
  EXPECT_EQ(list_page_limit("0", false, 500), 500);
  EXPECT_EQ(list_page_limit("", false, 500), 500);
  EXPECT_EQ(list_page_limit("12345", false, 500), 0);
  EXPECT_EQ(list_page_limit("12345", true, 500), 500);
}

TEST(Reflector, TooLargeResourceVersionIsTheCacheNotThereYet) {
  EXPECT_TRUE(too_large_resource_version(
      504, R"({"kind":"Status","status":"Failure","message":"Too large resource version: 12, )"
           R"(current: 10","reason":"Timeout","details":{"causes":[{"reason":)"
           R"("ResourceVersionTooLarge","message":"Too large resource version"}]},"code":504})"));
  EXPECT_FALSE(too_large_resource_version(504, R"({"reason":"Timeout","code":504})"));
  EXPECT_FALSE(too_large_resource_version(500, "Too large resource version"));
}

TEST(Reflector, TheWatchAsClientGoSendsIt) {
  EXPECT_EQ(watch_target(k_spec, "12345", 437),
            "/api/v1/namespaces/team-a/secrets?allowWatchBookmarks=true"
            "&fieldSelector=type%3Dkubernetes.io%2Fdockerconfigjson"
            "&labelSelector=regcred.io%2Fsync%3Dtrue&resourceVersion=12345&timeoutSeconds=437"
            "&watch=true");
  EXPECT_EQ(watch_target({"id", "/p", "", "a in (x y)"}, "", 300),
            "/p?allowWatchBookmarks=true&labelSelector=a+in+%28x+y%29&resourceVersion="
            "&timeoutSeconds=300&watch=true");
}

TEST(Reflector, WhatFollowsAnErrorStatus) {
  struct Case {
    long status;
    bool listing;
    bool retry_after;
    Next next;
    bool forget, reread, wait;
  };
  const Case cases[] = {
      {410, true, false, Next::relist, true, false, false},
      {410, false, false, Next::relist, false, false, false},
      {401, false, false, Next::backoff_rewatch, false, true, false},
      {401, true, false, Next::backoff_relist, false, true, false},
      {429, false, true, Next::rewatch, false, false, true},
      {429, true, false, Next::backoff_relist, false, false, false},
      {503, false, true, Next::rewatch, false, false, true},
      {503, false, false, Next::backoff_relist, false, false, false},
      {403, false, false, Next::backoff_relist, false, false, false},
      {404, true, false, Next::backoff_relist, false, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.status) + (c.listing ? " list" : " watch") +
                 (c.retry_after ? " Retry-After" : ""));
    const AfterError a = after_status(c.status, c.listing, c.retry_after);
    EXPECT_EQ(a.next, c.next);
    EXPECT_EQ(a.forget_version, c.forget);
    EXPECT_EQ(a.reread_credential, c.reread);
    EXPECT_EQ(a.wait_retry_after, c.wait);
  }
}

TEST(Reflector, BackoffDoublesToItsMaximumAndStartsAgainAfterCalm) {
  Backoff b({800ms, 30000ms, 120s});
  auto t = std::chrono::steady_clock::time_point(1h);
  EXPECT_EQ(b.next(t, 0.0, std::nullopt), 800ms);
  EXPECT_EQ(b.next(t, 0.0, std::nullopt), 1600ms);
  EXPECT_EQ(b.next(t, 0.5, std::nullopt), 4800ms);  // 3200 plus half of it
  for (int i = 0; i < 10; ++i)
    b.next(t, 0.0, std::nullopt);
  EXPECT_EQ(b.next(t, 0.0, std::nullopt), 30000ms);
  EXPECT_EQ(b.next(t + 121s, 0.0, std::nullopt), 800ms);  // calm for longer than reset
  b.reset();
  EXPECT_EQ(b.next(t + 122s, 0.0, std::nullopt), 800ms);
}

TEST(Reflector, ALongerRetryAfterWins) {
  Backoff b({800ms, 30000ms, 120s});
  const auto t = std::chrono::steady_clock::time_point(1h);
  EXPECT_EQ(b.next(t, 0.0, 7), 7000ms);
  EXPECT_EQ(b.next(t, 0.0, 1), 1600ms);
}

TEST(Reflector, RetryAfterIsClampedAndCannotOverflow) {
  Backoff b({800ms, 30000ms, 120s});
  const auto t = std::chrono::steady_clock::time_point(1h);
  EXPECT_EQ(b.next(t, 0.0, 86400), 300000ms);  // a day: five minutes
  EXPECT_EQ(b.next(t, 0.0, std::numeric_limits<long>::max()), 300000ms);
  EXPECT_EQ(b.next(t, 0.0, -5), 3200ms);  // a negative one adds no wait of its own
}

}  // namespace
}  // namespace regcred::kube
