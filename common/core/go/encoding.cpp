#include "common/core/go/encoding.hpp"

#include <array>
#include <cstdint>

namespace regcred::core {
namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::uint8_t, 256> make_decode_map() {
  std::array<std::uint8_t, 256> m{};
  for (auto& v : m)
    v = 0xff;
  for (std::size_t i = 0; i < k_alphabet.size(); ++i)
    m[static_cast<unsigned char>(k_alphabet[i])] = static_cast<std::uint8_t>(i);
  return m;
}
constexpr auto k_decode_map = make_decode_map();

Unexpected corrupt(std::size_t at) {
  return fail(Code::parse_error, "illegal base64 data at input byte " + std::to_string(at));
}

bool is_newline(char c) {
  return c == '\n' || c == '\r';
}

}  // namespace

// A transcription of Go's encoding/base64 decodeQuantum loop (non-strict mode), so that the
// accepted inputs and the reported offsets are the same.
Result<std::string> base64_decode(std::string_view src, Padding padding) {
  const bool padded = padding == Padding::required;
  std::string out;
  out.reserve(src.size() / 4 * 3 + 3);
  std::size_t si = 0;
  while (true) {
    std::array<std::uint8_t, 4> dbuf{};
    std::size_t dlen = 4;
    bool trailing_garbage = false;
    std::size_t garbage_at = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;
        if (j == 1 || padded) return corrupt(si - j);
        dlen = j;
        break;
      }
      const char in = src[si];
      ++si;
      const std::uint8_t v = k_decode_map[static_cast<unsigned char>(in)];
      if (v != 0xff) {
        dbuf[j] = v;
        continue;
      }
      if (is_newline(in)) {
        --j;  // wraps to SIZE_MAX when j == 0; the loop's ++j brings it back
        continue;
      }
      if (!padded || in != '=') return corrupt(si - 1);
      // Padding: the end, after at most one more '=' and newlines.
      if (j == 0 || j == 1) return corrupt(si - 1);
      if (j == 2) {
        while (si < src.size() && is_newline(src[si]))
          ++si;
        if (si == src.size()) return corrupt(src.size());
        if (src[si] != '=') return corrupt(si - 1);
        ++si;
      }
      while (si < src.size() && is_newline(src[si]))
        ++si;
      if (si < src.size()) {
        trailing_garbage = true;
        garbage_at = si;
      }
      dlen = j;
      break;
    }
    const std::uint32_t val = std::uint32_t{dbuf[0]} << 18 | std::uint32_t{dbuf[1]} << 12 |
                              std::uint32_t{dbuf[2]} << 6 | std::uint32_t{dbuf[3]};
    const std::array<char, 3> bytes{static_cast<char>(val >> 16), static_cast<char>(val >> 8),
                                    static_cast<char>(val)};
    out.append(bytes.data(), dlen - 1);
    if (trailing_garbage) return corrupt(garbage_at);
    if (dlen < 4) return out;
  }
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return std::uint32_t{static_cast<unsigned char>(in[k])}; };
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += k_alphabet[v >> 18 & 63];
    out += k_alphabet[v >> 12 & 63];
    out += k_alphabet[v >> 6 & 63];
    out += k_alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t v = at(i) << 16;
    if (rest == 2) v |= at(i + 1) << 8;
    out += k_alphabet[v >> 18 & 63];
    out += k_alphabet[v >> 12 & 63];
    out += rest == 2 ? k_alphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64_is_unpadded(std::string_view in) {
  std::size_t n = 0;
  for (char c : in)
    if (!is_newline(c)) ++n;
  return n % 4 != 0 && !base64_decode(in, Padding::required) &&
         base64_decode(in, Padding::none).has_value();
}

namespace {

// Decodes one UTF-8 sequence at s[i]; returns the code point and its length, or length 1 with
// code point 0xFFFD for an invalid sequence, as Go's utf8.DecodeRuneInString does.
std::pair<char32_t, std::size_t> decode_rune(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const std::size_t left = s.size() - i;
  auto cont = [&](std::size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return {c, 1};
  if (c >= 0xC2 && c <= 0xDF && cont(1)) return {char32_t(c & 0x1F) << 6 | (b(1) & 0x3F), 2};
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    const char32_t r = char32_t(c & 0x0F) << 12 | char32_t(b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) return {r, 3};
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t r = char32_t(c & 0x07) << 18 | char32_t(b(1) & 0x3F) << 12 |
                       char32_t(b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    if (r >= 0x10000 && r <= 0x10FFFF) return {r, 4};
  }
  return {0xFFFD, 1};
}

}  // namespace

std::string go_json_quote(std::string_view s) {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const auto [r, len] = decode_rune(s, i);
    if (r == 0xFFFD && len == 1) {
      out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
  return out;
}

std::string_view go_trim_space(std::string_view s) {
  // Returns the length of the Unicode white space at s[i], or 0.
  auto space_at = [&](std::size_t i) -> std::size_t {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (c < 0x80) return 0;
    const auto [r, len] = decode_rune(s, i);
    const bool space = r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) ||
                       r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
    return space ? len : 0;
  };
  std::size_t b = 0;
  while (b < s.size()) {
    const std::size_t n = space_at(b);
    if (n == 0) break;
    b += n;
  }
  std::size_t e = s.size();
  while (e > b) {
    // Step back over one UTF-8 sequence.
    std::size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
      --start;
    if (space_at(start) != e - start) break;
    e = start;
  }
  return s.substr(b, e - b);
}

}  // namespace regcred::core
