#include "fibdns/engine/socket_address.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace fibdns::engine {

Result<SocketAddress> SocketAddress::fromIp(std::string_view ip, std::uint16_t port) {
  const std::string text(ip);
  SocketAddress address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address.length = sizeof(sockaddr_in);
    return address;
  }
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address.length = sizeof(sockaddr_in6);
    return address;
  }
  return invalidArgument("not an IPv4 or IPv6 address: '" + text + "'");
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

void SocketAddress::setPort(std::uint16_t port) {
  if (family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  } else if (family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
  }
}

bool SocketAddress::isWildcard() const {
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (family() == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
  }
  return false;
}

std::string SocketAddress::ip() const { return securityAddress().toString(); }

std::string SocketAddress::toString() const {
  const std::string port_text = std::to_string(port());
  if (family() == AF_INET6) {
    return "[" + ip() + "]:" + port_text;
  }
  return ip() + ":" + port_text;
}

security::IpAddress SocketAddress::securityAddress() const {
  // Only AF_INET and AF_INET6 addresses are ever stored here (fromIp, recvmmsg, accept4).
  auto address = IpAddress::fromSockaddr(get());
  return address ? *address : IpAddress{};
}

Result<std::vector<SocketAddress>> parseAddressList(std::string_view list, std::uint16_t port) {
  std::vector<SocketAddress> addresses;
  std::string_view rest = list;
  for (;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (item.empty()) {
      return invalidArgument("empty item in address list '" + std::string(list) + "'");
    }
    Result<SocketAddress> address = SocketAddress::fromIp(item, port);
    if (!address) {
      return address.status();
    }
    for (const SocketAddress& seen : addresses) {
      if (seen.length == address->length && std::memcmp(&seen.storage, &address->storage,
                                                        address->length) == 0) {
        return invalidArgument("address " + std::string(item) + " given twice");
      }
    }
    addresses.push_back(*address);
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return addresses;
}

}  // namespace fibdns::engine
