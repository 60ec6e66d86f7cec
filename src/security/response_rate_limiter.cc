#include "fibdns/security/response_rate_limiter.h"

#include <cassert>
#include <string>

namespace fibdns::security {
namespace {

constexpr std::size_t kProbe = 4;
constexpr std::int64_t kMillisPerToken = 1000;  // tokens are kept in thousandths
constexpr std::size_t kMaxTableSize = std::size_t{1} << 24;

// SplitMix64's finaliser: a fast, well-mixing step. Not cryptographic; the per-process seed is
// what keeps collisions unpredictable to an outsider.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::size_t roundUpToPowerOfTwo(std::size_t n) {
  std::size_t size = 1;
  while (size < n) {
    size <<= 1;
  }
  return size;
}

}  // namespace

ResponseClass classifyDnsResponse(std::uint8_t rcode, std::uint16_t ancount) {
  if (rcode == 0) {
    return ancount > 0 ? ResponseClass::Answer : ResponseClass::NoData;
  }
  return rcode == 3 ? ResponseClass::NxDomain : ResponseClass::Error;
}

Result<ResponseRateLimiter> ResponseRateLimiter::create(const RrlConfig& config,
                                                        std::uint64_t hash_seed) {
  if (config.table_size == 0 || config.table_size > kMaxTableSize) {
    return invalidArgument("RRL table size must be 1.." + std::to_string(kMaxTableSize));
  }
  if (config.ipv4_prefix_length < 1 || config.ipv4_prefix_length > 32) {
    return invalidArgument("RRL IPv4 prefix length must be 1..32");
  }
  if (config.ipv6_prefix_length < 1 || config.ipv6_prefix_length > 128) {
    return invalidArgument("RRL IPv6 prefix length must be 1..128");
  }
  // Tokens are counted in thousandths in 64 bits: any 32-bit rate fits.
  return ResponseRateLimiter(config, hash_seed);
}

ResponseRateLimiter::ResponseRateLimiter(const RrlConfig& config, std::uint64_t hash_seed)
    : config_(config), seed_(hash_seed) {
  if (enabled()) {
    table_.resize(roundUpToPowerOfTwo(config.table_size));
  }
}

std::array<std::uint8_t, ResponseRateLimiter::kKeySize> ResponseRateLimiter::keyOf(
    const IpAddress& source, ResponseClass response_class) const {
  std::array<std::uint8_t, kKeySize> key{};
  key[0] = source.isV4() ? 4 : 6;
  key[1] = static_cast<std::uint8_t>(response_class);
  const auto bytes = source.octets();
  std::size_t bits = source.isV4() ? config_.ipv4_prefix_length : config_.ipv6_prefix_length;
  for (std::size_t i = 0; i < bytes.size() && bits > 0; ++i) {
    const std::size_t take = bits < 8 ? bits : 8;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - take));
    key[2 + i] = static_cast<std::uint8_t>(bytes[i] & mask);
    bits -= take;
  }
  return key;
}

std::uint64_t ResponseRateLimiter::hashOf(const std::array<std::uint8_t, kKeySize>& key) const {
  std::uint64_t h = seed_;
  for (std::size_t i = 0; i < kKeySize; i += 8) {
    std::uint64_t word = 0;
    for (std::size_t j = i; j < i + 8 && j < kKeySize; ++j) {
      word = (word << 8) | key[j];
    }
    h = mix(h ^ word);
  }
  return h;
}

ResponseRateLimiter::Bucket& ResponseRateLimiter::bucketFor(
    const std::array<std::uint8_t, kKeySize>& key, std::int64_t now_ms) {
  const std::size_t mask = table_.size() - 1;
  const std::size_t home = static_cast<std::size_t>(hashOf(key)) & mask;
  Bucket* free_bucket = nullptr;
  Bucket* oldest = nullptr;
  for (std::size_t i = 0; i < kProbe && i < table_.size(); ++i) {
    Bucket& bucket = table_[(home + i) & mask];
    if (bucket.used && bucket.key == key) {
      return bucket;
    }
    if (!bucket.used || now_ms - bucket.last_ms >= 1000) {
      if (free_bucket == nullptr) {
        free_bucket = &bucket;
      }
    } else if (oldest == nullptr || bucket.last_ms < oldest->last_ms) {
      oldest = &bucket;
    }
  }
  if (free_bucket != nullptr) {
    // Unused, or idle for a second (so full again): a fresh, full bucket for this network.
    *free_bucket = Bucket{};
    free_bucket->key = key;
    free_bucket->used = true;
    free_bucket->tokens = std::int64_t{config_.responses_per_second} * kMillisPerToken;
    free_bucket->last_ms = now_ms;
    return *free_bucket;
  }
  // Every probed bucket is busy: share the least recently used one, tokens and all. The table
  // is never empty while enabled, so at least one bucket was probed.
  assert(oldest != nullptr && "a probe that found no free bucket found a busy one");
  oldest->key = key;
  return *oldest;
}

RrlDecision ResponseRateLimiter::decide(const IpAddress& source, ResponseClass response_class,
                                        std::chrono::milliseconds now) {
  if (!enabled()) {
    return RrlDecision::Send;
  }
  const std::int64_t now_ms = now.count();
  Bucket& bucket = bucketFor(keyOf(source, response_class), now_ms);
  const std::int64_t rate = config_.responses_per_second;
  const std::int64_t capacity = rate * kMillisPerToken;  // one second's worth
  if (now_ms > bucket.last_ms) {
    // elapsed ms x rate = thousandths of a token; cap elapsed first so the product cannot
    // overflow after a long idle time.
    const std::int64_t elapsed = now_ms - bucket.last_ms < 1000 ? now_ms - bucket.last_ms : 1000;
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * rate);
    bucket.last_ms = now_ms;
  }
  if (bucket.tokens >= kMillisPerToken) {
    bucket.tokens -= kMillisPerToken;
    return RrlDecision::Send;
  }
  ++bucket.limited;
  if (config_.slip != 0 && bucket.limited % config_.slip == 0) {
    return RrlDecision::Slip;
  }
  return RrlDecision::Drop;
}

}  // namespace fibdns::security
