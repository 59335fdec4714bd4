// A port of the state machine in Go's encoding/json/scanner.go, kept only for its verdicts and
// error texts.
#include "common/core/go/json_scanner.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

namespace regcred::core {
namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void append_utf8(std::string& out, std::uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

// quoteChar: strconv.Quote(string(rune(c))) with single quotes.
std::string quote_char(unsigned char c) {
  if (c == '\'') return R"('\'')";
  if (c == '"') return "'\"'";
  std::string s = "'";
  switch (c) {
    case '\a':
      s += "\\a";
      break;
    case '\b':
      s += "\\b";
      break;
    case '\f':
      s += "\\f";
      break;
    case '\n':
      s += "\\n";
      break;
    case '\r':
      s += "\\r";
      break;
    case '\t':
      s += "\\t";
      break;
    case '\v':
      s += "\\v";
      break;
    case '\\':
      s += "\\\\";
      break;
    default: {
      static constexpr char hex[] = "0123456789abcdef";
      if (c < 0x20 || c == 0x7F) {
        s += "\\x";
        s += hex[c >> 4];
        s += hex[c & 0xF];
      } else if ((c >= 0x80 && c < 0xA0) || c == 0xAD) {
        s += "\\u00";
        s += hex[c >> 4];
        s += hex[c & 0xF];
      } else {
        append_utf8(s, c);
      }
    }
  }
  return s + "'";
}

enum class State {
  begin_value,
  begin_value_or_empty,   // after '['
  begin_string_or_empty,  // after '{'
  begin_string,           // after ','  in an object
  end_value,
  end_top,
  in_string,
  in_string_esc,
  in_string_esc_u,  // counts 4 hex digits
  neg,
  zero,
  one,
  dot,
  dot0,
  e,
  e_sign,
  e0,
  literal,  // true/false/null, `lit_` and `lit_pos` say where
};

enum class Parse { object_key, object_value, array_value };

constexpr std::size_t k_max_depth = 10000;

class Scanner {
 public:
  // One byte: false with err_ set on a syntax error; done_ once the value ended before `c`.
  bool step(unsigned char c) {
    switch (state_) {
      case State::begin_value_or_empty:
        if (is_space(c)) return true;
        if (c == ']') return end_value_after_close();
        return begin_value(c);
      case State::begin_value:
        if (is_space(c)) return true;
        return begin_value(c);
      case State::begin_string_or_empty:
        if (is_space(c)) return true;
        if (c == '}') {
          parse_.back() = Parse::object_value;
          return end_value_after_close();
        }
        [[fallthrough]];
      case State::begin_string:
        if (is_space(c)) return true;
        if (c == '"') {
          state_ = State::in_string;
          return true;
        }
        return error(c, "looking for beginning of object key string");
      case State::end_value:
        return end_value(c);
      case State::end_top:
        done_ = true;
        return true;
      case State::in_string:
        if (c == '"') {
          state_ = State::end_value;
          return true;
        }
        if (c == '\\') {
          state_ = State::in_string_esc;
          return true;
        }
        if (c < 0x20) return error(c, "in string literal");
        return true;
      case State::in_string_esc:
        switch (c) {
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
          case '\\':
          case '/':
          case '"':
            state_ = State::in_string;
            return true;
          case 'u':
            state_ = State::in_string_esc_u;
            hex_ = 0;
            return true;
          default:
            return error(c, "in string escape code");
        }
      case State::in_string_esc_u:
        if (!std::isxdigit(c)) return error(c, "in \\u hexadecimal character escape");
        if (++hex_ == 4) state_ = State::in_string;
        return true;
      case State::neg:
        if (c == '0') {
          state_ = State::zero;
          return true;
        }
        if (c >= '1' && c <= '9') {
          state_ = State::one;
          return true;
        }
        return error(c, "in numeric literal");
      case State::one:
        if (c >= '0' && c <= '9') return true;
        [[fallthrough]];
      case State::zero:
        if (c == '.') {
          state_ = State::dot;
          return true;
        }
        if (c == 'e' || c == 'E') {
          state_ = State::e;
          return true;
        }
        return end_value(c);
      case State::dot:
        if (c >= '0' && c <= '9') {
          state_ = State::dot0;
          return true;
        }
        return error(c, "after decimal point in numeric literal");
      case State::dot0:
        if (c >= '0' && c <= '9') return true;
        if (c == 'e' || c == 'E') {
          state_ = State::e;
          return true;
        }
        return end_value(c);
      case State::e:
        if (c == '+' || c == '-') {
          state_ = State::e_sign;
          return true;
        }
        [[fallthrough]];
      case State::e_sign:
        if (c >= '0' && c <= '9') {
          state_ = State::e0;
          return true;
        }
        return error(c, "in exponent of numeric literal");
      case State::e0:
        if (c >= '0' && c <= '9') return true;
        return end_value(c);
      case State::literal: {
        const char want = lit_[lit_pos_];
        if (c != static_cast<unsigned char>(want)) {
          return error(c, std::string("in literal ") + lit_ + " (expecting '" + want + "')");
        }
        if (lit_[++lit_pos_] == '\0') state_ = State::end_value;
        return true;
      }
    }
    return true;
  }

  // The value is complete at end of input (numbers and literals end only there).
  bool complete_at_eof() {
    if (done_ || state_ == State::end_top) return true;
    if (state_ == State::end_value || state_ == State::zero || state_ == State::one ||
        state_ == State::dot0 || state_ == State::e0) {
      return parse_.empty();
    }
    return false;
  }
  bool done() const { return done_; }
  bool started() const { return started_; }
  const std::string& err() const { return err_; }

 private:
  bool begin_value(unsigned char c) {
    started_ = true;
    switch (c) {
      case '{':
        state_ = State::begin_string_or_empty;
        return push(Parse::object_key);
      case '[':
        state_ = State::begin_value_or_empty;
        return push(Parse::array_value);
      case '"':
        state_ = State::in_string;
        return true;
      case '-':
        state_ = State::neg;
        return true;
      case '0':
        state_ = State::zero;
        return true;
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        if (c >= '1' && c <= '9') {
          state_ = State::one;
          return true;
        }
        return error(c, "looking for beginning of value");
    }
  }
  bool literal(const char* word) {
    lit_ = word;
    lit_pos_ = 1;
    state_ = State::literal;
    return true;
  }
  bool push(Parse p) {
    parse_.push_back(p);
    if (parse_.size() > k_max_depth) {
      err_ = "exceeded max depth";
      return false;
    }
    return true;
  }
  // After '}' or ']': the value is complete; at the top level, Go ends right away.
  bool end_value_after_close() {
    parse_.pop_back();
    if (parse_.empty()) {
      done_ = true;
      state_ = State::end_top;
      return true;
    }
    state_ = State::end_value;
    return true;
  }
  bool end_value(unsigned char c) {
    if (parse_.empty()) {
      done_ = true;  // completed before this byte
      state_ = State::end_top;
      return true;
    }
    if (is_space(c)) {
      state_ = State::end_value;
      return true;
    }
    switch (parse_.back()) {
      case Parse::object_key:
        if (c == ':') {
          parse_.back() = Parse::object_value;
          state_ = State::begin_value;
          return true;
        }
        return error(c, "after object key");
      case Parse::object_value:
        if (c == ',') {
          parse_.back() = Parse::object_key;
          state_ = State::begin_string;
          return true;
        }
        if (c == '}') return end_value_after_close();
        return error(c, "after object key:value pair");
      case Parse::array_value:
        if (c == ',') {
          state_ = State::begin_value;
          return true;
        }
        if (c == ']') return end_value_after_close();
        return error(c, "after array element");
    }
    return true;
  }
  bool error(unsigned char c, const std::string& context) {
    err_ = "invalid character " + quote_char(c) + " " + context;
    return false;
  }

  State state_ = State::begin_value;
  std::vector<Parse> parse_;
  const char* lit_ = "";
  std::size_t lit_pos_ = 0;
  int hex_ = 0;
  bool done_ = false;
  bool started_ = false;
  std::string err_;
};

}  // namespace

Result<std::size_t> go_json_scan_value(std::string_view in) {
  Scanner s;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!s.step(static_cast<unsigned char>(in[i]))) return fail(Code::parse_error, s.err());
    if (s.done()) {
      // Objects and arrays end on their closing byte, other values one byte later.
      return (in[i] == '}' || in[i] == ']') && i + 1 <= in.size() ? i + 1 : i;
    }
  }
  if (s.complete_at_eof()) return in.size();
  if (!s.started()) return fail(Code::parse_error, "EOF");
  return fail(Code::parse_error, "unexpected EOF");
}

std::string go_utf8_sanitize(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t r = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 2, r = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, r = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, r = c & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      r = (r << 6) | (cc & 0x3F);
    }
    if (ok && (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))) ok = false;
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace regcred::core
