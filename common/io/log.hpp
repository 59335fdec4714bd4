// log.hpp: the one logging facade. Lines go to stderr with the sd-daemon priority prefix
// ("<6>") and no timestamp (journald adds one), then `key=value` context. The level is checked
// before anything is formatted. Never pass a credential: Secret has no string conversion, and
// values here are plain strings on purpose.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace regcred::io {

enum class Level { debug, info, warning, error };

std::optional<Level> parse_level(std::string_view text);
std::string_view level_name(Level level);

using Field = std::pair<std::string_view, std::string_view>;

class Log {
 public:
  static void set_level(Level level);
  static Level level();
  static bool enabled(Level level);
  // Redirects output (tests); nullptr restores stderr.
  static void set_stream(std::ostream* out);
  static void write(Level level, std::string_view message, std::initializer_list<Field> fields);
};

inline void log_debug(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Log::enabled(Level::debug)) Log::write(Level::debug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Log::enabled(Level::info)) Log::write(Level::info, m, f);
}
inline void log_warning(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Log::enabled(Level::warning)) Log::write(Level::warning, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<Field> f = {}) {
  if (Log::enabled(Level::error)) Log::write(Level::error, m, f);
}

}  // namespace regcred::io
