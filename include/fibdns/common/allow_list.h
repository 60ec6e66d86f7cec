#pragma once

#include <array>
#include <span>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"

struct sockaddr;

/// IP addresses, CIDR ranges and comma-separated allow-lists of them. Pure: no I/O (parsing uses
/// inet_pton, which touches nothing but memory). Shared by the US and FS (--allow-upstream) and
/// the AS (--allow-register).
namespace fibdns {

/// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as the IPv4
/// address it carries, so "::ffff:10.0.0.1" and "10.0.0.1" are equal and match the same ranges.
class IpAddress {
 public:
  enum class Family : std::uint8_t { V4, V6 };

  /// A numeric literal: dotted quad ("10.0.0.1") or IPv6 ("::1", "fe80::1", "::ffff:10.0.0.1";
  /// brackets and zone ids such as "%eth0" are not accepted). InvalidArgument otherwise.
  static Result<IpAddress> parse(std::string_view text);
  /// From a sockaddr_in or sockaddr_in6 (e.g. recvfrom's source); InvalidArgument for any other
  /// family or a null pointer.
  static Result<IpAddress> fromSockaddr(const sockaddr* address);
  static IpAddress v4(std::uint32_t host_order);
  /// From the 4 bytes of sin_addr / the 16 of sin6_addr (network order); an IPv4-mapped IPv6
  /// address becomes the IPv4 address.
  static IpAddress v4(std::array<std::uint8_t, 4> octets);
  static IpAddress v6(std::array<std::uint8_t, 16> octets);

  bool isV4() const { return family_ == Family::V4; }
  /// The meaningful bytes, network order: 4 for V4, 16 for V6 (what RRL, cookies and logs key on).
  std::span<const std::uint8_t> octets() const {
    return {bytes_.data(), family_ == Family::V4 ? 4U : 16U};
  }

  Family family() const { return family_; }
  /// 4 meaningful bytes for V4, 16 for V6, network order.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  /// Canonical text: dotted quad, or RFC 5952 IPv6 (inet_ntop).
  std::string toString() const;

  bool operator==(const IpAddress&) const = default;

 private:
  friend class Cidr;  // builds the network address of a range
  Family family_ = Family::V4;
  std::array<std::uint8_t, 16> bytes_{};
};

/// An address range: a network address and a prefix length ("10.0.0.0/8", "fc00::/7"). A bare
/// address is a one-address range (/32 or /128).
class Cidr {
 public:
  /// InvalidArgument, with a one-line reason, for: a bad address, a prefix that is not a decimal
  /// integer in range (0..32 for IPv4, 0..128 for IPv6), or host bits set below the prefix
  /// ("10.0.0.1/8": the message names the network that was probably meant). An IPv4-mapped IPv6
  /// range with a prefix of at least 96 ("::ffff:10.0.0.0/104") is the IPv4 range it maps.
  static Result<Cidr> parse(std::string_view text);

  /// True when `address` lies in the range. IPv4 ranges match IPv4 addresses (including
  /// IPv4-mapped ones); IPv6 ranges match only IPv6 addresses.
  bool contains(const IpAddress& address) const;
  const IpAddress& network() const { return network_; }
  unsigned prefixLength() const { return prefix_length_; }
  /// "network/prefix" in canonical form.
  std::string toString() const;

  bool operator==(const Cidr&) const = default;

 private:
  Cidr(IpAddress network, unsigned prefix_length)
      : network_(network), prefix_length_(prefix_length) {}
  IpAddress network_;
  unsigned prefix_length_ = 0;
};

/// The ranges a server may talk to (or accept from): loopback and private networks by default.
inline constexpr std::string_view kLoopbackAndPrivateRanges =
    "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7";

/// A list of CIDR ranges; an address is allowed when any range contains it. Immutable after
/// parse(), so one list can be read from any number of threads.
class AllowList {
 public:
  /// Parses "CIDR[,CIDR...]"; spaces around items are ignored. InvalidArgument for an empty list
  /// or an empty item ("item 2 is empty"), or the first bad item, with its position and the
  /// reason from Cidr::parse ("item 3 '10.0.0.1/8': host bits set ...").
  static Result<AllowList> parse(std::string_view text);
  /// kLoopbackAndPrivateRanges.
  static AllowList loopbackAndPrivate();

  bool allows(const IpAddress& address) const;
  /// False for anything that is not a numeric address literal (a host name must be resolved
  /// first, and the address it resolved to checked).
  bool allows(std::string_view address_literal) const;

  const std::vector<Cidr>& ranges() const { return ranges_; }
  /// The ranges, canonical, comma-separated (for logs and --help).
  std::string toString() const;

 private:
  std::vector<Cidr> ranges_;
};

}  // namespace fibdns
