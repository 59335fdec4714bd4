#include "common/core/watch_event.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/core/limits.hpp"

namespace regcred::core {
namespace {

std::vector<std::string> feed_all(LineSplitter& s, const std::vector<std::string>& chunks,
                                  LineSplitter::Fed* last = nullptr) {
  std::vector<std::string> lines;
  LineSplitter::Fed fed = LineSplitter::Fed::more;
  for (const auto& c : chunks) {
    fed = s.feed(c, [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    });
    if (fed != LineSplitter::Fed::more) break;
  }
  if (last != nullptr) *last = fed;
  return lines;
}

TEST(LineSplitter, LinesSpanChunksAndKeepAliveNewlinesAreSkipped) {
  LineSplitter s;
  auto lines = feed_all(s, {"{\"a\"", ":1}\n\n", "\r\n{\"b\":2}\n{\"c\"", ":3}"});
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(s.pending(), 7U);  // {"c":3} waits for its newline
  lines = feed_all(s, {"\n"});
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"c\":3}"}));
  EXPECT_EQ(s.pending(), 0U);
}

TEST(LineSplitter, StopsWhenTheReaderStopsAndBoundsALine) {
  LineSplitter s;
  int seen = 0;
  EXPECT_EQ(s.feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; }),
            LineSplitter::Fed::stopped);
  EXPECT_EQ(seen, 2);
  LineSplitter small(8);
  LineSplitter::Fed fed{};
  auto lines = feed_all(small, {"12345", "6789", "0\n"}, &fed);
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(fed, LineSplitter::Fed::too_long);
  EXPECT_EQ(small.pending(), 0U);
}

constexpr std::string_view k_added =
    R"({"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"a","namespace":"ns",)"
    R"("resourceVersion":"17"},"type":"kubernetes.io/dockerconfigjson",)"
    R"("data":{".dockerconfigjson":"eyJhdXRocyI6e319"}}})";

TEST(WatchEvent, DecodesSecretsBookmarksAndErrors) {
  auto ev = decode_watch_event(k_added, "kube");
  ASSERT_TRUE(ev.has_value()) << ev.error().message;
  EXPECT_EQ(ev->type, WatchType::added);
  EXPECT_EQ(ev->resource_version, "17");
  ASSERT_TRUE(ev->secret.has_value());
  EXPECT_EQ(ev->secret->display_name(), "ns/a");

  ev = decode_watch_event(
      R"({"type":"BOOKMARK","object":{"kind":"Secret","metadata":{"resourceVersion":"99"}}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, WatchType::bookmark);
  EXPECT_EQ(ev->resource_version, "99");

  ev = decode_watch_event(
      R"x({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (2)"}})x",
      "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, WatchType::error);
  EXPECT_TRUE(ev->expired);
  EXPECT_EQ(ev->message, "too old resource version: 1 (2)");

  // Fields of the wrong type are no reason to throw: a code that is a string is not 410.
  ev = decode_watch_event(R"({"type":"ERROR","object":{"code":"410","message":7}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_FALSE(ev->expired);
  EXPECT_EQ(ev->message, "");
  ev =
      decode_watch_event(R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":5}}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->resource_version, "");
  EXPECT_FALSE(ev->secret.has_value());
  EXPECT_FALSE(ev->secret_error.empty());

  ev = decode_watch_event(R"({"type":"RENAMED","object":{}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, WatchType::unknown);
  EXPECT_EQ(ev->type_text, "RENAMED");
}

TEST(WatchEvent, WhatIsNotAnEventIsAnError) {
  for (std::string_view line :
       {std::string_view("garbage"), std::string_view("[1,2]"),
        std::string_view(R"({"type":"ADDED"})"), std::string_view(R"({"object":{}})"),
        std::string_view(R"({"type":"ADDED","object":{"kind":"Secr)")}) {
    auto ev = decode_watch_event(line, "kube/secrets");
    ASSERT_FALSE(ev.has_value()) << line;
    EXPECT_EQ(ev.error().message, "kube/secrets: watch event is not an event");
  }
  const std::string deep =
      R"({"type":"ADDED","object":{"x":)" + std::string(1000, '[') + std::string(1000, ']') + "}}";
  EXPECT_FALSE(decode_watch_event(deep, "k").has_value());
}

// The decoder reads the API server's JSON with simdjson; what it makes of odd JSON is what the
// nlohmann reader before it made of it, and what Go's decoder makes of it.
TEST(WatchEvent, ReadsJsonAsGoAndTheReaderBeforeDid) {
  const auto secret = [](std::string_view line) {
    auto ev = decode_watch_event(line, "k");
    EXPECT_TRUE(ev.has_value()) << line;
    return ev ? ev->secret : std::nullopt;
  };
  // A repeated name: the last value counts, also when the first was of the wrong type.
  auto s = secret(R"({"type":"ADDED","type":"MODIFIED","object":{"metadata":{"name":"a",)"
                  R"("name":"b","labels":{"x":1,"x":"y"}},"data":{"k":"eHg=","k":"eXk="}}})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->name, "b");
  EXPECT_EQ(s->labels, (std::map<std::string, std::string>{{"x", "y"}}));
  EXPECT_EQ(s->data.at("k").reveal(), "yy");
  // Escapes and non-ASCII text are decoded; null members are empty; stringData wins.
  s = secret(R"({"type":"ADDED","object":{"metadata":{"name":"caf\u00e9\n","labels":{"n":null}},)"
             R"("type":"kubernetes.io/dockerconfigjson","data":{"k":"eA==","z":null},)"
             R"("stringData":{"k":"pl\"ain"}}})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->name, "caf\xc3\xa9\n");
  EXPECT_EQ(s->labels.at("n"), "");
  EXPECT_EQ(s->data.at("k").reveal(), "pl\"ain");
  EXPECT_EQ(s->data.at("z").reveal(), "");
  EXPECT_EQ(s->string_data_keys, (std::vector<std::string>{"k"}));
  // A type that is not a string reads as the API server's default.
  s = secret(R"({"type":"ADDED","object":{"metadata":{"name":"a"},"type":5}})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->type, "Opaque");
  // The first wrong member in byte order is named, as before.
  auto ev = decode_watch_event(
      R"({"type":"ADDED","object":{"metadata":{"name":"a"},"data":{"z":1,"b":[],"c":"eA=="}}})",
      "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->secret_error, "k: data[b]: expected a string");
  ev = decode_watch_event(R"({"type":"ADDED","object":{"metadata":{"labels":[]}}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->secret_error, "k: metadata.name: missing");
  ev =
      decode_watch_event(R"({"type":"ADDED","object":{"metadata":{"name":"a","labels":[]}}})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->secret_error, "k: metadata.labels: expected a map");
  ev = decode_watch_event(R"({"type":"DELETED","object":[]})", "k");
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->secret_error, "k: not a Kubernetes object");
  // Not JSON, all of it: bytes that are not UTF-8, a number Go would refuse, a trailing comma,
  // a second document.
  for (std::string_view bad :
       {std::string_view("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"\xff\"}}}"),
        std::string_view(R"({"type":"ADDED","object":{},"x":01})"),
        std::string_view(R"({"type":"ADDED","object":{},})"),
        std::string_view(R"({"type":"ADDED","object":{}} {})")}) {
    EXPECT_FALSE(decode_watch_event(bad, "k").has_value()) << bad;
  }
}

TEST(WatchEvent, ALongLineIsReadAndTheNextOneToo) {
  // 300 KB of data: the watch thread's parser grows for it and is given back after it.
  const std::string big = R"({"type":"ADDED","object":{"metadata":{"name":"big"},"data":{"k":")" +
                          std::string(300000, 'Q') + R"("}}})";
  auto ev = decode_watch_event(big, "k");
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(ev->secret.has_value());
  EXPECT_EQ(ev->secret->data.at("k").size(), 225000U);
  ev = decode_watch_event(k_added, "k");
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(ev->secret.has_value());
  EXPECT_EQ(ev->secret->display_name(), "ns/a");
}

TEST(WatchEvent, NestingIsBoundAsForEveryOtherReader) {
  const auto nested = [](std::size_t depth) {  // the event object itself is two levels deep
    return R"({"type":"ADDED","object":{"x":)" + std::string(depth - 2, '[') +
           std::string(depth - 2, ']') + "}}";
  };
  EXPECT_FALSE(json_deeper_than(nested(k_max_json_depth)));
  EXPECT_TRUE(decode_watch_event(nested(k_max_json_depth), "k").has_value());
  EXPECT_TRUE(json_deeper_than(nested(k_max_json_depth + 1)));
  EXPECT_FALSE(decode_watch_event(nested(k_max_json_depth + 1), "k").has_value());
}

TEST(SecretList, PagesItemsAndProblemsWithoutThrowingOnWrongTypes) {
  auto page = decode_secret_list(
      R"({"kind":"SecretList","metadata":{"resourceVersion":"40","continue":"abc"},"items":[)"
      R"({"metadata":{"name":"a","namespace":"n"},"type":"Opaque"},{"metadata":7}]})",
      "kube");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->resource_version, "40");
  EXPECT_EQ(page->continue_token, "abc");
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_EQ(page->items[0].display_name(), "n/a");
  ASSERT_EQ(page->problems.size(), 1U);
  EXPECT_EQ(page->problems[0].message.rfind("kube items[1]", 0), 0U) << page->problems[0].message;
  // metadata of the wrong type (nlohmann's value() would throw type_error here).
  page = decode_secret_list(R"({"metadata":"x","items":null})", "kube");
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->items.empty());
  page = decode_secret_list(R"({"metadata":{"resourceVersion":12},"items":[]})", "kube");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->resource_version, "");
  EXPECT_FALSE(decode_secret_list("[]", "kube").has_value());
  EXPECT_FALSE(decode_secret_list("<html>", "kube").has_value());
}

}  // namespace
}  // namespace regcred::core
