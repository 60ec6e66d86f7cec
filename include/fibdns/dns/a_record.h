#pragma once

#include <cstdint>
#include <string>

#include "fibdns/dns/ipv4.h"

namespace fibdns::dns {

inline constexpr std::uint32_t kMaxTtl = 2147483647;  // RFC 2181 §8

/// Record types the store holds. Only A today; the type is part of the store's key so that
/// more types can be added without changing the schema's shape.
enum class RecordType : std::uint16_t { A = 1 };

/// A Type A record: a normalised name (lowercase, no trailing dot), its IPv4 address and TTL.
struct ARecord {
  std::string name;
  Ipv4Address address;
  std::uint32_t ttl = 0;

  bool operator==(const ARecord&) const = default;
};

}  // namespace fibdns::dns
