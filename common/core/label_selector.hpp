// label_selector.hpp: Kubernetes label selectors (`k=v`, `k==v`, `k!=v`, `k in (a,b)`,
// `k notin (a)`, `k`, `!k`, comma = AND), so that a directory of manifests selects secrets
// exactly as the API server would for the same --label-selector. Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

namespace regcred::core {

class LabelSelector {
 public:
  // "" selects everything. Errors name the requirement that does not parse.
  static Result<LabelSelector> parse(std::string_view text);

  bool matches(const std::map<std::string, std::string>& labels) const;
  bool empty() const { return reqs_.empty(); }
  const std::string& text() const { return text_; }

 private:
  enum class Op { eq, ne, in, notin, exists, not_exists };
  struct Req {
    std::string key;
    Op op = Op::exists;
    std::vector<std::string> values;
  };
  std::vector<Req> reqs_;
  std::string text_;
};

}  // namespace regcred::core
