#include "fibdns/engine/refusal_log.h"

#include "fibdns/authority/datagram_handler.h"
#include "fibdns/common/logging.h"

namespace fibdns::engine {

void RefusalLog::refused(const std::string& what, const security::IpAddress& source) {
  const std::string address = authority::describeAddress(source);

  {
    const std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    if (now - window_start_ >= std::chrono::minutes(1)) {
      seen_.clear();
      window_start_ = now;
    }
    auto [it, first] = seen_.try_emplace(address, 0U);
    ++it->second;
    if (!first || seen_.size() > kMaxSources) {
      return;  // already logged this minute (or too many sources: the first ones tell enough)
    }

  }
  log::warn("acl", "refused " + what + " from " + address +
                       " (further refusals from this address are not logged for a minute)");
}

}  // namespace fibdns::engine
