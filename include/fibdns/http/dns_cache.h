#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fibdns/http/clock.h"
#include "fibdns/http/dns_client.h"

namespace fibdns::http {

/// Answers of an AS kept for at most their TTL, keyed by (as_ip, as_port, hostname) with as_ip as
/// the client gave it. A TTL of 0 is not cached. TTLs are capped at kMaxCacheSeconds. Bounded at
/// max_entries: when full, the least recently used entry (found or stored) is evicted; an expired
/// entry is dropped when it is next looked up. Thread-safe (one mutex; the critical sections are
/// a hash lookup and a list splice).
class DnsCache {
 public:
  static constexpr std::uint32_t kMaxCacheSeconds = 3600;

  explicit DnsCache(const Clock& clock, std::size_t max_entries = 10000)
      : clock_(clock), max_entries_(max_entries) {}

  std::optional<Resolution> find(const net::AsEndpoint& as, std::string_view hostname);
  void put(const net::AsEndpoint& as, std::string_view hostname, const Resolution& resolution);
  std::size_t size() const;

  /// The key of (as, hostname); also used by UserService to coalesce misses.
  static std::string key(const net::AsEndpoint& as, std::string_view hostname);

 private:
  struct Entry {
    std::string key;
    Resolution resolution;
    Clock::TimePoint expires;
  };
  using Lru = std::list<Entry>;  // most recently used first

  const Clock& clock_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> index_;
};

}  // namespace fibdns::http
