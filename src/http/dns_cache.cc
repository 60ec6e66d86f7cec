#include "fibdns/http/dns_cache.h"

#include <algorithm>

namespace fibdns::http {

std::string DnsCache::key(const net::AsEndpoint& as, std::string_view hostname) {
  std::string text = as.ip;
  text += '\0';
  text += std::to_string(as.port);
  text += '\0';
  text += hostname;
  return text;
}

std::optional<Resolution> DnsCache::find(const net::AsEndpoint& as, std::string_view hostname) {
  const std::string k = key(as, hostname);
  const Clock::TimePoint now = clock_.now();
  const std::lock_guard lock(mutex_);
  const auto found = index_.find(k);
  if (found == index_.end()) {
    return std::nullopt;
  }
  const Lru::iterator entry = found->second;
  if (now >= entry->expires) {
    lru_.erase(entry);
    index_.erase(found);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, entry);
  return entry->resolution;
}

void DnsCache::put(const net::AsEndpoint& as, std::string_view hostname,
                   const Resolution& resolution) {
  if (resolution.ttl == 0 || max_entries_ == 0) {
    return;  // TTL 0: the answer may be used once, not kept
  }
  const Clock::TimePoint expires =
      clock_.now() + std::chrono::seconds(std::min(resolution.ttl, kMaxCacheSeconds));
  std::string k = key(as, hostname);
  const std::lock_guard lock(mutex_);
  if (const auto found = index_.find(k); found != index_.end()) {
    found->second->resolution = resolution;
    found->second->expires = expires;
    lru_.splice(lru_.begin(), lru_, found->second);
    return;
  }
  if (lru_.size() >= max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{k, resolution, expires});
  index_.emplace(std::move(k), lru_.begin());
}

std::size_t DnsCache::size() const {
  const std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace fibdns::http
