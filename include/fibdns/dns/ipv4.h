#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

namespace fibdns::dns {

/// An IPv4 address as four octets in network order.
struct Ipv4Address {
  std::array<std::uint8_t, 4> octets{};

  /// Dotted-quad text, e.g. "172.18.0.2".
  std::string toString() const;
  bool operator==(const Ipv4Address&) const = default;
};

/// Parses strict dotted-quad text: exactly four decimal octets 0..255, no leading zeros
/// ("01.2.3.4" is rejected: inet_aton would read it as octal), no signs, no spaces.
/// InvalidArgument with a message such as "invalid IPv4 address: 256.1.1.1" otherwise.
Result<Ipv4Address> parseIpv4(std::string_view text);

}  // namespace fibdns::dns
