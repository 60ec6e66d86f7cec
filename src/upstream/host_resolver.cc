#include "fibdns/upstream/host_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "fibdns/common/allow_list.h"

namespace fibdns::upstream {

Result<std::string> resolveAddress(std::string_view host) {
  if (auto literal = IpAddress::parse(host)) {
    return literal->toString();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string name(host);
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    return invalidArgument("cannot resolve host '" + name + "': " + ::gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  auto address = IpAddress::fromSockaddr(found->ai_addr);
  if (!address) {
    return invalidArgument("cannot resolve host '" + name + "'");
  }
  return address->toString();
}

Result<std::string> sourceAddressTowards(const std::string& ip, std::uint16_t port) {
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &peer.sin_addr) != 1) {
    return invalidArgument("not an IPv4 address: " + ip);
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return unavailable(std::string("socket: ") + std::strerror(errno));
  }
  // Connecting a UDP socket sends nothing: it only asks the kernel for a route and a source.
  sockaddr_in local{};
  socklen_t length = sizeof local;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    return unavailable("no route to " + ip + ": " + std::strerror(saved_errno));
  }
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  return std::string(text);
}

}  // namespace fibdns::upstream
