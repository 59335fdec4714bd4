// yaml_node.hpp (private to common/core): a nlohmann document as a yaml-cpp node, so that JSON
// manifests are read by the same walk as YAML ones.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace regcred::core::detail {

template <typename BasicJson>
YAML::Node to_yaml_node(const BasicJson& j) {
  if (j.is_object()) {
    YAML::Node n(YAML::NodeType::Map);
    for (const auto& [k, v] : j.items())
      n[k] = to_yaml_node(v);
    return n;
  }
  if (j.is_array()) {
    YAML::Node n(YAML::NodeType::Sequence);
    for (const auto& v : j)
      n.push_back(to_yaml_node(v));
    return n;
  }
  if (j.is_null()) return YAML::Node(YAML::NodeType::Null);
  if (j.is_string()) return YAML::Node(j.template get<std::string>());
  return YAML::Node(j.dump());
}

}  // namespace regcred::core::detail
