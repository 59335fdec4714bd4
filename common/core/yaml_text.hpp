// yaml_text.hpp: JSON documents printed as YAML, for the CLI's -o yaml. yaml-cpp stays inside
// common/core. Pure.
#pragma once

#include <string>

#include "common/core/docker_config.hpp"  // Json

namespace regcred::core {

// Block-style YAML of `j`, keys in the document's order, null as `null`, trailing newline.
std::string to_yaml_text(const Json& j);

}  // namespace regcred::core
