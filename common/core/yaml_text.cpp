#include "common/core/yaml_text.hpp"

#include <regex>

#include <yaml-cpp/yaml.h>

namespace regcred::core {
namespace {

// A plain scalar that YAML 1.1 readers (go-yaml, which kubectl uses, and PyYAML) take for a
// bool or a number. Such a string is written in double quotes, as kubectl's -o yaml writes it,
// so that it reads back as a string. yaml-cpp quotes null forms and special characters itself.
bool reads_as_bool_or_number(const std::string& s) {
  static const std::regex k_non_string(
      "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
      "|[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)"
      "|[-+]?([0-9][0-9_]*)?\\.?[0-9_]*([eE][-+]?[0-9]+)?"
      "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  return !s.empty() && s != "." && s != "-" && s != "+" && std::regex_match(s, k_non_string);
}

void emit(YAML::Emitter& e, const Json& j) {
  if (j.is_object()) {
    e << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      e << YAML::Key;
      if (reads_as_bool_or_number(k)) e << YAML::DoubleQuoted;
      e << k << YAML::Value;
      emit(e, v);
    }
    e << YAML::EndMap;
  } else if (j.is_array()) {
    e << YAML::BeginSeq;
    for (const auto& v : j)
      emit(e, v);
    e << YAML::EndSeq;
  } else if (j.is_null()) {
    e << YAML::Null;
  } else if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (reads_as_bool_or_number(s)) e << YAML::DoubleQuoted;
    e << s;
  } else {
    e << j.dump();
  }
}

}  // namespace

std::string to_yaml_text(const Json& j) {
  YAML::Emitter e;
  e.SetNullFormat(YAML::LowerNull);
  emit(e, j);
  return std::string(e.c_str()) + "\n";
}

}  // namespace regcred::core
