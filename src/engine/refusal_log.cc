#include "fibdns/engine/refusal_log.h"

#include "fibdns/common/logging.h"

namespace fibdns::engine {

void RefusalLog::refused(const std::string& what, const security::IpAddress& source) {
  const std::string address = source.toString();

  {
    const std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    if (now - window_start_ >= std::chrono::minutes(1)) {
      seen_.clear();
      window_start_ = now;
    }
    if (const auto it = seen_.find(address); it != seen_.end()) {
      ++it->second;
      return;  // already logged this minute
    }
    if (seen_.size() >= kMaxSources) {
      // Too many sources this minute (spoofed, say): the first ones tell enough, and the table
      // must not grow with each new one.
      return;
    }
    seen_.emplace(address, 1U);
  }
  log::warn("acl", "refused " + what + " from " + address +
                       " (further refusals from this address are not logged for a minute)");
}

std::size_t RefusalLog::sourcesRemembered() {
  const std::lock_guard lock(mutex_);
  return seen_.size();
}

}  // namespace fibdns::engine
