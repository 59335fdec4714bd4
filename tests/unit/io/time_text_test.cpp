// RFC 3339 as the API server and client-go's exec credentials write it, printed and parsed.
#include "common/io/time_text.hpp"

#include <gtest/gtest.h>

namespace regcred::io {
namespace {

using namespace std::chrono;

TEST(TimeText, PrintsUtcSeconds) {
  EXPECT_EQ(rfc3339(system_clock::time_point(seconds(1767323045))), "2026-01-02T03:04:05Z");
}

TEST(TimeText, PrintsMicroTimeAsTheApiServerDoes) {
  const auto t = std::chrono::system_clock::from_time_t(1767225845) + std::chrono::microseconds(7);
  EXPECT_EQ(rfc3339_micro(t), "2026-01-01T00:04:05.000007Z");
  EXPECT_EQ(rfc3339_micro(std::chrono::system_clock::from_time_t(1767225845)),
            "2026-01-01T00:04:05.000000Z");
  const auto back = parse_rfc3339(rfc3339_micro(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
}

TEST(TimeText, ParsesWhatItPrintsAndGoForms) {
  const auto t = system_clock::time_point(seconds(1767323045));
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05Z"), t);
  EXPECT_EQ(parse_rfc3339(rfc3339(t)), t);
  EXPECT_EQ(parse_rfc3339("2026-01-02T05:04:05+02:00"), t);  // an offset counts
  EXPECT_EQ(parse_rfc3339("2026-01-01T22:34:05-04:30"), t);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.5Z"), t + milliseconds(500));  // a fraction too
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.123456789Z"), t + nanoseconds(123456789));
}

TEST(TimeText, RefusesWhatIsNotRfc3339) {
  for (const char* bad : {"", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z",
                          "2026-13-02T03:04:05Z", "2026-01-02T03:04:05.Z",
                          "2026-01-02T03:04:05+0200", "2026-01-02T03:04:05Zjunk", "yesterday"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace regcred::io
