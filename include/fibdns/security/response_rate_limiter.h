#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/security/ip_address.h"

namespace fibdns::security {

/// What kind of reply is about to go out; each kind has its own bucket per network, so a flood
/// of one kind (say NXDOMAIN for random names) does not starve the others (NSD, Knot).
enum class ResponseClass : std::uint8_t {
  Answer,    // NOERROR with answers
  NoData,    // NOERROR without answers
  NxDomain,  // NXDOMAIN
  Error,     // any other RCODE (FORMERR, SERVFAIL, NOTIMP, REFUSED, ...)
  Lab,       // a reply of the lab text protocol
};

/// The class of a DNS reply from its RCODE and answer count.
ResponseClass classifyDnsResponse(std::uint8_t rcode, std::uint16_t ancount);

enum class RrlDecision : std::uint8_t {
  Send,  // within the rate: send the reply as it is
  Drop,  // over the rate: send nothing
  Slip,  // over the rate, but send a truncated reply (TC=1, no records) so that a real client
         // retries over TCP, which a spoofed source cannot do. The lab protocol has no TC: the
         // engine drops lab replies on Slip.
};

struct RrlConfig {
  /// Replies per second per (network, class); 0 turns limiting off (every decision is Send).
  std::uint32_t responses_per_second = 0;
  /// Every slip-th limited reply slips (1: all of them; 0: none, all are dropped). NSD's
  /// default is 2.
  std::uint32_t slip = 2;
  /// Buckets in the table, rounded up to a power of two: the memory bound (about 48 bytes
  /// each). 1..2^24.
  std::size_t table_size = 65536;
  std::uint8_t ipv4_prefix_length = 24;  // 1..32
  std::uint8_t ipv6_prefix_length = 56;  // 1..128
};

/// Response rate limiting (RRL) as NSD and Knot do it: a token bucket per source network and
/// response class, refilled at `responses_per_second` and holding at most one second's worth.
///
/// Memory is bounded: a fixed table, buckets found by a seeded hash of (network, class) and a
/// short linear probe. When every probed bucket is in use, a bucket idle for a second (hence
/// full again) is taken over; otherwise the least recently used one is shared with the newcomer,
/// keeping its tokens, so a flood over many networks meets limits instead of fresh buckets.
///
/// Apply it to UDP replies only (TCP proves the source), and exempt replies to requests that
/// carried a valid server cookie (RFC 7873 §5.3). Not thread-safe: give each worker its own
/// limiter. With SO_REUSEPORT the kernel spreads one network's datagrams over the workers by
/// source port, so give each of N workers a rate of ceil(rate / N).
class ResponseRateLimiter {
 public:
  /// InvalidArgument when a field is out of range. `hash_seed` should be random per process
  /// (so that an attacker cannot aim collisions at a victim's bucket); tests pass a fixed one.
  static Result<ResponseRateLimiter> create(const RrlConfig& config, std::uint64_t hash_seed);

  /// Decides the fate of one reply to `source`.
  /// @param now  a monotonic time (steady_clock since its epoch); never decreasing between
  ///   calls (a smaller value counts as no time passed).
  RrlDecision decide(const IpAddress& source, ResponseClass response_class,
                     std::chrono::milliseconds now);

  bool enabled() const { return config_.responses_per_second != 0; }

 private:
  static constexpr std::size_t kKeySize = 18;  // family, class, 16 bytes of network
  struct Bucket {
    std::array<std::uint8_t, kKeySize> key{};
    bool used = false;
    std::int64_t tokens = 0;  // thousandths of a reply
    std::int64_t last_ms = 0;
    std::uint32_t limited = 0;  // limited replies so far, for the slip count
  };

  ResponseRateLimiter(const RrlConfig& config, std::uint64_t hash_seed);
  std::array<std::uint8_t, kKeySize> keyOf(const IpAddress& source,
                                           ResponseClass response_class) const;
  std::uint64_t hashOf(const std::array<std::uint8_t, kKeySize>& key) const;
  Bucket& bucketFor(const std::array<std::uint8_t, kKeySize>& key, std::int64_t now_ms);

  RrlConfig config_;
  std::uint64_t seed_;
  std::vector<Bucket> table_;
};

}  // namespace fibdns::security
