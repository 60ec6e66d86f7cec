#pragma once

#include <string_view>

/// A tiny logging facade: one line per event on stderr, `LEVEL component message`.
/// Per-request detail goes to debug only, so hostile traffic cannot flood the log.
/// Thread-safe: each line is written with a single write(2).
namespace fibdns::log {

enum class Level { Debug, Info, Warn, Error };

/// Lines below this level are dropped. Default Info.
void setLevel(Level level);
Level level();
/// Parses "debug", "info", "warn" or "error"; false when the text is none of them.
bool parseLevel(std::string_view text, Level& out);

bool enabled(Level level);
void write(Level level, std::string_view component, std::string_view message);

inline void debug(std::string_view component, std::string_view message) {
  if (enabled(Level::Debug)) {
    write(Level::Debug, component, message);
  }
}
inline void info(std::string_view component, std::string_view message) {
  write(Level::Info, component, message);
}
inline void warn(std::string_view component, std::string_view message) {
  write(Level::Warn, component, message);
}
inline void error(std::string_view component, std::string_view message) {
  write(Level::Error, component, message);
}

}  // namespace fibdns::log
