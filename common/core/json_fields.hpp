// json_fields.hpp: one member of a JSON object from outside, with a fallback when the object is
// not an object, lacks the member, or holds it as another type. nlohmann's value() throws
// type_error in the last two cases, which turned odd answers (a registry's manifest with a
// numeric digest, a lookup index line with a numeric rank) into std::terminate; the fuzz targets
// found them.
#pragma once

#include <string>
#include <type_traits>

namespace regcred::core {

template <typename Json, typename T>
T json_value(const Json& obj, const std::string& key, T fallback) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if constexpr (std::is_same_v<T, Json>) {
    return *it;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->template get<bool>() : fallback;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return it->is_number() ? it->template get<T>() : fallback;
  } else {
    return it->is_string() ? T(it->template get<std::string>()) : fallback;
  }
}

template <typename Json>
std::string json_value(const Json& obj, const std::string& key, const char* fallback) {
  return json_value(obj, key, std::string(fallback));
}

}  // namespace regcred::core
