// provider_detail.hpp (private to common/core): helpers provider.cpp and provider_config.cpp
// share.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/core/result.hpp"

namespace regcred::core::detail {

// s in double quotes, as Go's %q prints a plain string.
std::string dq(std::string_view s);
// obj[name] as a string; missing or null: empty; anything else: an error naming at+name.
Result<std::string> string_field(const nlohmann::json& obj, const char* name,
                                 const std::string& at);

}  // namespace regcred::core::detail
