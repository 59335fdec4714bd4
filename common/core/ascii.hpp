// ascii.hpp: case folding of ASCII letters only, whatever the C locale: header names, URL
// schemes and hosts, auth scheme and parameter names, JSON member names that Go matches without
// regard to case. Bytes outside A-Z (UTF-8 included) are left as they are.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace regcred::core {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

}  // namespace regcred::core
