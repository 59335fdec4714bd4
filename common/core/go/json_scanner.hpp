// go_json.hpp: the parts of Go's encoding/json whose exact behaviour clients see: the scanner's
// syntax errors (a docker credential helper prints them on stdout), json.Decoder's "first value
// only" reading, and the decoder's replacement of invalid UTF-8. The values themselves are then
// read with nlohmann. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::core {

// json.Decoder.Decode's scan of the first value in `in`: the offset just past it (leading
// whitespace skipped, trailing bytes not looked at). Errors carry Go's texts: "EOF" for empty or
// blank input, "unexpected EOF" for a value cut short, and the scanner's "invalid character 'o'
// in literal null (expecting 'u')" family.
Result<std::size_t> go_json_scan_value(std::string_view in);

// Invalid UTF-8 replaced by U+FFFD, one per bad byte, as Go's decoder does inside strings.
std::string go_utf8_sanitize(std::string_view in);

}  // namespace regcred::core
