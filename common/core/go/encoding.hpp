// go/encoding.hpp: base64 and JSON string quoting with Go's exact semantics. Kubelet, docker,
// containers/image and kubectl are Go programs; matching their error offsets and their output
// bytes is the point, which is why this is not OpenSSL's EVP_DecodeBlock (lenient, no offsets,
// no unpadded mode) or nlohmann's dump (no HTML escaping). Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::core {

enum class Padding { required, none };

// base64.StdEncoding (Padding::required) or RawStdEncoding (Padding::none) DecodeString:
// '\r' and '\n' are skipped anywhere, anything else outside the alphabet is an error whose
// message is Go's: "illegal base64 data at input byte N".
Result<std::string> base64_decode(std::string_view in, Padding padding = Padding::required);

// base64.StdEncoding.EncodeToString: padded, no line breaks.
std::string base64_encode(std::string_view in);

// True when `in` decodes under Padding::required but its length, newlines aside, is not a
// multiple of 4 — i.e. it only decodes as RawStdEncoding. Used by lint.
bool base64_is_unpadded(std::string_view in);

// encoding/json's string encoding, quotes included: HTML-escaped (<, >, & as \u003c...),
// U+2028/U+2029 escaped, invalid UTF-8 replaced by \ufffd, \b \f \n \r \t short forms.
std::string go_json_quote(std::string_view s);

// strings.TrimSpace on UTF-8 (ASCII whitespace plus U+0085, U+00A0 and the Unicode spaces).
std::string_view go_trim_space(std::string_view s);

}  // namespace regcred::core
