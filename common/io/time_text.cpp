// The parser is written out: GCC 12's library has no std::chrono::parse, and get_time drops the
// fraction and the offset that client-go's exec credentials may carry.
#include "common/io/time_text.hpp"

#include <array>
#include <ctime>

namespace regcred::io {
namespace {

// `n` digits at `at` as a number; nullopt when they are not all digits.
std::optional<int> digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::string rfc3339_micro(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto text = rfc3339(secs);                                              // ...:05Z
  auto micros = std::to_string(duration_cast<microseconds>(t - secs).count());  // 0..999999
  micros.insert(0, 6 - micros.size(), '0');
  return text.substr(0, text.size() - 1) + "." + micros + "Z";
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  auto year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  auto hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::chrono::nanoseconds fraction{0};
  if (at < s.size() && s[at] == '.') {
    ++at;
    long long scale = 100000000;
    const std::size_t first = at;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      fraction += std::chrono::nanoseconds((s[at] - '0') * scale);
      scale /= 10;
    }
    if (at == first) return std::nullopt;
  }
  std::chrono::seconds offset{0};
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    auto oh = digits(s, at + 1, 2), om = digits(s, at + 4, 2);
    if (!oh || !om || at + 3 >= s.size() || s[at + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
    if (s[at] == '-') offset = -offset;
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const auto utc = std::chrono::system_clock::from_time_t(timegm(&tm)) - offset;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(utc + fraction);
}

}  // namespace regcred::io
