#include "common/core/label_selector.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace regcred::core {
namespace {

TEST(LabelSelector, KubernetesForms) {
  std::map<std::string, std::string> l = {{"regcred.io/sync", "true"}, {"tier", "web"}};
  auto yes = [&](const char* s) {
    auto sel = LabelSelector::parse(s);
    EXPECT_TRUE(sel) << s;
    return sel && sel->matches(l);
  };
  EXPECT_TRUE(yes(""));
  EXPECT_TRUE(yes("regcred.io/sync=true"));
  EXPECT_TRUE(yes("regcred.io/sync==true,tier"));
  EXPECT_FALSE(yes("regcred.io/sync!=true"));
  EXPECT_TRUE(yes("tier in (web, api)"));
  EXPECT_FALSE(yes("tier notin (web)"));
  EXPECT_TRUE(yes("!missing"));
  EXPECT_FALSE(yes("missing"));
  EXPECT_FALSE(LabelSelector::parse("tier in (web"));
}

}  // namespace
}  // namespace regcred::core
