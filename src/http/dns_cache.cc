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

std::optional<Resolution> DnsCache::find(const net::AsEndpoint& as,
                                         std::string_view hostname) const {
  const std::string k = key(as, hostname);
  const Clock::TimePoint now = clock_.now();
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(k);
  if (found == entries_.end()) {
    return std::nullopt;
  }
  if (now >= found->second.expires) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.resolution;
}

void DnsCache::put(const net::AsEndpoint& as, std::string_view hostname,
                   const Resolution& resolution) {
  if (resolution.ttl == 0 || max_entries_ == 0) {
    return;  // TTL 0: the answer may be used once, not kept
  }
  const Clock::TimePoint now = clock_.now();
  const Clock::TimePoint expires =
      now + std::chrono::seconds(std::min(resolution.ttl, kMaxCacheSeconds));
  std::string k = key(as, hostname);
  const std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && entries_.find(k) == entries_.end()) {
    std::erase_if(entries_, [&](const auto& entry) { return now >= entry.second.expires; });
    if (entries_.size() >= max_entries_) {
      entries_.clear();
    }
  }
  entries_.insert_or_assign(std::move(k), Entry{resolution, expires});
}

std::size_t DnsCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace fibdns::http
