#include "common/io/log.hpp"

#include <atomic>
#include <iostream>
#include <mutex>

#include <systemd/sd-daemon.h>

namespace regcred::io {
namespace {

std::atomic<Level> g_level{Level::info};
std::ostream* g_stream = nullptr;
std::mutex g_mutex;  // kube watch threads log too

std::string_view prefix(Level level) {
  switch (level) {
    case Level::debug:
      return SD_DEBUG;
    case Level::info:
      return SD_INFO;
    case Level::warning:
      return SD_WARNING;
    case Level::error:
      return SD_ERR;
  }
  return SD_INFO;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void append_value(std::string& line, std::string_view v) {
  if (!needs_quotes(v)) {
    line += v;
    return;
  }
  line += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (c == '\n') {
      line += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line += ' ';
    } else {
      line += c;
    }
  }
  line += '"';
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warning" || text == "warn") return Level::warning;
  if (text == "error") return Level::error;
  return std::nullopt;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "info";
}

void Log::set_level(Level level) {
  g_level = level;
}
Level Log::level() {
  return g_level;
}
bool Log::enabled(Level level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void Log::set_stream(std::ostream* out) {
  std::lock_guard lock(g_mutex);
  g_stream = out;
}

void Log::write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line(prefix(level));
  // One line per record: a newline inside the message would forge a second record.
  for (char c : message)
    line += (c == '\n' ? ' ' : c);
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    append_value(line, v);
  }
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::ostream& out = g_stream != nullptr ? *g_stream : std::cerr;
  out << line << std::flush;
}

}  // namespace regcred::io
