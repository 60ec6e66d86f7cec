#include "fibdns/common/logging.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace fibdns::log {
namespace {

std::atomic<Level> g_level{Level::Info};

const char* levelName(Level level) {
  switch (level) {
    case Level::Debug:
      return "DEBUG";
    case Level::Info:
      return "INFO";
    case Level::Warn:
      return "WARN";
    case Level::Error:
      return "ERROR";
  }
  return "?";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string text(buffer, length);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return text + fraction;
}

}  // namespace

void setLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parseLevel(std::string_view text, Level& out) {
  if (text == "debug") {
    out = Level::Debug;
    return true;
  }
  if (text == "info") {
    out = Level::Info;
    return true;
  }
  if (text == "warn") {
    out = Level::Warn;
    return true;
  }
  if (text == "error") {
    out = Level::Error;
    return true;
  }
  return false;
}

bool enabled(Level level) {
  return static_cast<int>(level) >= static_cast<int>(g_level.load(std::memory_order_relaxed));
}

void write(Level level, std::string_view component, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  std::string line = timestamp();
  line += ' ';
  line += levelName(level);
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  // One write(2) per line keeps lines from different threads whole.
  const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;  // nowhere to report a failed log write
}

}  // namespace fibdns::log
