// The helpers' fallback index answers exactly as the whole table does.
#include "common/core/lookup_index.hpp"

#include <gtest/gtest.h>

#include "common/core/go/encoding.hpp"
#include "tests/support/vectors.hpp"

namespace regcred::core {
namespace {

CredentialTable table_of_keys(const std::vector<std::string>& keys) {
  CredentialTable t;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    t.push_back({keys[i], Credential{"user" + std::to_string(i), Secret("pw"), {}},
                 "r" + std::to_string(keys.size() - i), "ns/s"});
  }
  return t;
}

std::string answer_bytes(const CredentialTable& t, const std::string& image) {
  return encode_provider_response(provider_answer(t, image, k_provider_v1, "1m0s").response);
}

TEST(LookupIndex, ProviderAnswersEqualTheWholeTablesOnEveryKeyringVector) {
  const auto all = regcred::testing::load_json("keyring-vectors.json");
  int n = 0;
  for (const auto& v : all) {
    if (v["kind"] != "keyring") continue;
    const auto t = table_of_keys(v["keys"].get<std::vector<std::string>>());
    const std::string image = v["image"];
    const std::string index = render_lookup_index(t);
    auto picked = lookup_image(index, image);
    ASSERT_TRUE(picked.has_value()) << picked.error().message;
    EXPECT_EQ(answer_bytes(*picked, image), answer_bytes(t, image)) << v.dump();
    ++n;
  }
  EXPECT_EQ(n, 36);
}

TEST(LookupIndex, GetFindsEverySpellingAndSkipsTheRest) {
  const auto t = table_of_keys(
      {"https://index.docker.io/v1/", "quay.io/org", "quay.io", "reg.io:5000", "weird\tkey.io"});
  const std::string index = render_lookup_index(t);
  auto hub = lookup_registry(index, "registry-1.docker.io");
  ASSERT_TRUE(hub.has_value());
  ASSERT_EQ(hub->size(), 1U);
  EXPECT_EQ(hub->front().key, "https://index.docker.io/v1/");
  EXPECT_EQ(hub->front().credential.password.reveal(), "pw");
  auto quay = lookup_registry(index, "quay.io");
  ASSERT_EQ(quay->size(), 1U);  // the namespace key is not the helper's
  EXPECT_EQ(lookup_registry(index, "other.io")->size(), 0U);
  EXPECT_FALSE(lookup_registry("garbage", "quay.io").has_value());
}

}  // namespace
}  // namespace regcred::core
