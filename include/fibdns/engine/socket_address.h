#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/security/ip_address.h"

namespace fibdns::engine {

/// An IPv4 or IPv6 socket address (what bind, sendto and recvmsg take), by value.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  /// An address from a numeric IPv4 ("192.0.2.1") or IPv6 ("::1", "fe80::1%lo" is refused)
  /// literal and a port. InvalidArgument naming the text otherwise.
  static Result<SocketAddress> fromIp(std::string_view ip, std::uint16_t port);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  std::uint16_t port() const;
  void setPort(std::uint16_t port);
  /// True for 0.0.0.0 and ::.
  bool isWildcard() const;
  /// The IP alone, e.g. "192.0.2.1" or "::1"; an IPv4-mapped IPv6 address prints as IPv4.
  std::string ip() const;
  /// "192.0.2.1:53" or "[::1]:53".
  std::string toString() const;
  /// The IP as RRL, cookies and the ACLs key on it (IPv4-mapped IPv6 as IPv4).
  security::IpAddress securityAddress() const;
};

/// "0.0.0.0,::" -> two addresses with `port`. InvalidArgument naming the bad item, for an empty
/// list, or for the same address twice.
Result<std::vector<SocketAddress>> parseAddressList(std::string_view list, std::uint16_t port);

}  // namespace fibdns::engine
