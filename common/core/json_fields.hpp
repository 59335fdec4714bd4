// json_fields.hpp: JSON from outside, read and printed without throwing. json_value: one member
// of an object, with a fallback when the object is not an object, lacks the member, or holds it
// as another type. json_text: a document printed whatever its strings hold. nlohmann's value()
// throws type_error in the last two cases, which turned odd answers (a registry's manifest with a
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

// j as JSON text, compact (indent < 0) or indented with `ch`. Strings from outside (a request
// path, a secret name read from a file) need not be UTF-8: what is not becomes U+FFFD instead of
// a type_error thrown (the status_http fuzz target found a 404 that ended regcredd that way).
template <typename Json>
std::string json_text(const Json& j, int indent = -1, char ch = ' ') {
  return j.dump(indent, ch, false, Json::error_handler_t::replace);
}

}  // namespace regcred::core
