// go/duration.cpp: Go's time.ParseDuration and Duration.String written out, since kubelet
// compares and prints cacheDuration with them and no C++ library has Go's grammar (units ns
// to h, fractions, a sign, "0" without a unit) or its error texts.
#include "common/core/go/duration.hpp"

#include <cmath>
#include <cstdint>
#include <string>

namespace regcred::core {
namespace {

// Go's %q of a plain string, as its errors quote the input.
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.append(1, '"').append(s).append(1, '"');
  return out;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return fail(Code::invalid_argument, "time: invalid duration " + quoted(orig)); };
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double v = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad();
    std::size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.')
      ++u;
    std::string_view unit = s.substr(i, u - i);
    long double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else if (unit.empty())
      return fail(Code::invalid_argument, "time: missing unit in duration " + quoted(orig));
    else
      return fail(Code::invalid_argument,
                  "time: unknown unit " + quoted(unit) + " in duration " + quoted(orig));
    total += v * mult;
    s.remove_prefix(u);
  }
  if (total > 9.223372036854775807e18L) return bad();
  auto ns = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(neg ? -ns : ns);
}

std::string format_go_duration(std::chrono::nanoseconds d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  auto u = static_cast<std::uint64_t>(n < 0 ? -n : n);
  auto frac = [](std::uint64_t v, std::size_t prec) {
    // v as a decimal with `prec` fraction digits, trailing zeros dropped.
    std::string whole = std::to_string(v);
    if (whole.size() <= prec) whole.insert(0, prec + 1 - whole.size(), '0');
    std::string f = whole.substr(whole.size() - prec);
    std::string w = whole.substr(0, whole.size() - prec);
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    return f.empty() ? w : w + "." + f;
  };
  if (u < 1000000000ULL) {
    if (u < 1000ULL) return sign + std::to_string(u) + "ns";
    if (u < 1000000ULL) return sign + frac(u, 3) + "\u00b5s";
    return sign + frac(u, 6) + "ms";
  }
  std::uint64_t secs_ns = u % 60000000000ULL;
  std::uint64_t mins = u / 60000000000ULL;
  std::string out = frac(secs_ns, 9) + "s";
  if (mins > 0) {
    out = std::to_string(mins % 60) + "m" + out;
    if (mins >= 60) out = std::to_string(mins / 60) + "h" + out;
  }
  return sign + out;
}

}  // namespace regcred::core
