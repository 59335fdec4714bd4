// output.hpp: -o json|yaml for every regcredctl command.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace regcred::ctl {

// JSON (indented) or YAML, as `-o` asks.
void print_structured(const nlohmann::ordered_json& j, const std::string& format,
                      std::ostream& out);

}  // namespace regcred::ctl
