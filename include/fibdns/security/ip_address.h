#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace fibdns::security {

/// A client's IP address as bytes in network order: what RRL, cookies and the update ACL key on.
/// The engine builds it from the datagram's source (sockaddr_in: sin_addr; sockaddr_in6:
/// sin6_addr). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, from a dual-stack socket) becomes
/// the IPv4 address, so a client is the same client on either socket.
class IpAddress {
 public:
  /// 0.0.0.0.
  IpAddress() = default;

  static IpAddress v4(std::array<std::uint8_t, 4> bytes) {
    IpAddress address;
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
    address.size_ = 4;
    return address;
  }

  static IpAddress v6(std::array<std::uint8_t, 16> bytes) {
    static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                   0, 0, 0, 0, 0xFF, 0xFF};
    if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) {
      return v4({bytes[12], bytes[13], bytes[14], bytes[15]});
    }
    IpAddress address;
    address.bytes_ = bytes;
    address.size_ = 16;
    return address;
  }

  bool isV4() const { return size_ == 4; }
  /// 4 or 16 bytes, network order.
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }

  bool operator==(const IpAddress& other) const {
    return size_ == other.size_ && std::equal(bytes().begin(), bytes().end(), other.bytes_.begin());
  }

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::size_t size_ = 4;
};

}  // namespace fibdns::security
