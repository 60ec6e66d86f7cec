#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fibdns/security/ip_address.h"

namespace fibdns::engine {

/// Logs refused writes (a registration or UPDATE from an address or key not allowed) at warn,
/// once per source and minute, never once per datagram: an attacker must not be able to fill
/// the log. Thread-safe; refusals are rare, so one mutex is enough. Memory is bounded: the
/// sources seen are forgotten every minute.
class RefusalLog {
 public:
  static constexpr std::size_t kMaxSources = 4096;

  /// `what`: e.g. "lab registration of example.com". Logs "refused <what> from <source>" with
  /// how many more were refused from that source since the last line.
  void refused(const std::string& what, const security::IpAddress& source);

  /// How many sources this minute's table holds: at most kMaxSources (for tests).
  std::size_t sourcesRemembered();

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mutex_;
  Clock::time_point window_start_ = Clock::now();
  std::unordered_map<std::string, unsigned> seen_;  // source -> refusals in this minute
};

}  // namespace fibdns::engine
