// -o yaml: JSON documents as block YAML, in the document's order, and read back to the same.
#include "common/core/yaml_text.hpp"

#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

namespace regcred::core {
namespace {

TEST(YamlText, BlockStyleInTheDocumentsOrder) {
  Json j = Json::parse(R"({"zeta":1,"alpha":{"list":["a","b"],"empty":[],"none":null},"t":true})");
  const std::string y = to_yaml_text(j);
  EXPECT_LT(y.find("zeta"), y.find("alpha")) << y;
  EXPECT_NE(y.find("none: null"), std::string::npos) << y;
  EXPECT_EQ(y.back(), '\n');
  YAML::Node back = YAML::Load(y);
  EXPECT_EQ(back["zeta"].as<int>(), 1);
  EXPECT_EQ(back["alpha"]["list"][1].as<std::string>(), "b");
  EXPECT_TRUE(back["t"].as<bool>());
}

TEST(YamlText, StringsThatLookLikeOtherTypesStayStrings) {
  Json j = Json::parse(R"({"a":"true","b":"123","c":"null","d":"a: b","e":"line\nbreak"})");
  YAML::Node back = YAML::Load(to_yaml_text(j));
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    SCOPED_TRACE(k);
    EXPECT_EQ(back[k].as<std::string>(), j[k].get<std::string>());
    EXPECT_EQ(back[k].Tag(), "!");  // quoted: a string, not a bool, number or null
  }
}

}  // namespace
}  // namespace regcred::core
