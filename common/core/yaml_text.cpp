#include "common/core/yaml_text.hpp"

#include "common/core/yaml_node.hpp"

namespace regcred::core {

std::string to_yaml_text(const Json& j) {
  YAML::Emitter e;
  e.SetNullFormat(YAML::LowerNull);
  e << detail::to_yaml_node(j);
  return std::string(e.c_str()) + "\n";
}

}  // namespace regcred::core
