#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fibdns/http/clock.h"
#include "fibdns/http/dns_client.h"

namespace fibdns::http {

/// Answers of an AS kept for at most their TTL, keyed by (as_ip, as_port, hostname) with as_ip as
/// the client gave it. A TTL of 0 is not cached. TTLs are capped at kMaxCacheSeconds. Bounded:
/// when full, expired entries are dropped, and if that is not enough, everything.
/// Thread-safe (one mutex; the critical sections are a hash lookup).
class DnsCache {
 public:
  static constexpr std::uint32_t kMaxCacheSeconds = 3600;

  explicit DnsCache(const Clock& clock, std::size_t max_entries = 10000)
      : clock_(clock), max_entries_(max_entries) {}

  std::optional<Resolution> find(const net::AsEndpoint& as, std::string_view hostname) const;
  void put(const net::AsEndpoint& as, std::string_view hostname, const Resolution& resolution);
  std::size_t size() const;

 private:
  struct Entry {
    Resolution resolution;
    Clock::TimePoint expires;
  };
  static std::string key(const net::AsEndpoint& as, std::string_view hostname);

  const Clock& clock_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Entry> entries_;
};

}  // namespace fibdns::http
