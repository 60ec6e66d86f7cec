#include "fibdns/net/udp_lab_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "dns/ascii.h"
#include "fibdns/common/allow_list.h"

namespace fibdns::net {
namespace {

/// Largest reply we read. Lab replies are tens of bytes; a bigger datagram is truncated and then
/// fails to parse, which is the right outcome for garbage.
constexpr std::size_t kMaxReplySize = 2048;

/// Owns a socket descriptor.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string errnoText(const char* what, int error) {
  return std::string(what) + ": " + std::strerror(error);
}

}  // namespace

Result<SocketAddress> socketAddressOf(const AsEndpoint& endpoint) {
  auto ip = IpAddress::parse(endpoint.ip);
  if (!ip) {
    return invalidArgument("not an IPv4 or IPv6 address: " + dns::printableEcho(endpoint.ip));
  }
  SocketAddress result;
  if (ip->family() == IpAddress::Family::V4) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(endpoint.port);
    std::memcpy(&in.sin_addr, ip->bytes().data(), 4);
    std::memcpy(&result.storage, &in, sizeof in);
    result.length = sizeof in;
  } else {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(endpoint.port);
    std::memcpy(&in6.sin6_addr, ip->bytes().data(), 16);
    std::memcpy(&result.storage, &in6, sizeof in6);
    result.length = sizeof in6;
  }
  return result;
}

bool samePeer(const sockaddr_storage& from, const SocketAddress& peer) {
  if (from.ss_family != peer.storage.ss_family) {
    return false;
  }
  if (from.ss_family == AF_INET) {
    sockaddr_in a{};
    sockaddr_in b{};
    std::memcpy(&a, &from, sizeof a);
    std::memcpy(&b, &peer.storage, sizeof b);
    return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
  }
  sockaddr_in6 a{};
  sockaddr_in6 b{};
  std::memcpy(&a, &from, sizeof a);
  std::memcpy(&b, &peer.storage, sizeof b);
  return std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0 &&
         a.sin6_port == b.sin6_port;
}

std::string describe(const AsEndpoint& endpoint) {
  const bool v6 = endpoint.ip.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.ip + "]" : endpoint.ip) + ":" + std::to_string(endpoint.port);
}

UdpLabClient::UdpLabClient(UdpLabClientOptions options) : options_(options) {}

Result<std::string> UdpLabClient::exchange(const AsEndpoint& endpoint,
                                           std::string_view request) const {
  auto peer = socketAddressOf(endpoint);
  if (!peer) {
    return peer.status();
  }
  const std::string where = describe(endpoint);

  const Socket socket(::socket(peer->storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    return unavailable(errnoText("socket", errno));
  }
  // A connected UDP socket: the kernel delivers only datagrams from the peer's address and port,
  // and reports ICMP port unreachable as ECONNREFUSED.
  if (::connect(socket.fd(), peer->address(), peer->length) != 0) {
    return unavailable(errnoText(("connect to " + where).c_str(), errno));
  }

  const int attempts = options_.attempts < 1 ? 1 : options_.attempts;
  bool refused = false;
  std::array<char, kMaxReplySize> buffer{};
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      if (errno == ECONNREFUSED) {
        refused = true;  // an earlier datagram bounced; retried like a timeout
        continue;
      }
      return unavailable(errnoText(("send to " + where).c_str(), errno));
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        break;  // this attempt timed out
      }
      pollfd waiter{socket.fd(), POLLIN, 0};
      const int ready = ::poll(&waiter, 1, static_cast<int>(left.count()));
      if (ready < 0) {
        if (errno == EINTR) {
          continue;
        }
        return unavailable(errnoText("poll", errno));
      }
      if (ready == 0) {
        break;
      }
      sockaddr_storage from{};
      socklen_t from_length = sizeof from;
      const ssize_t received = ::recvfrom(socket.fd(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                          reinterpret_cast<sockaddr*>(&from), &from_length);
      if (received < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
          continue;
        }
        if (errno == ECONNREFUSED) {
          refused = true;
          break;  // nobody listens there (yet): next attempt
        }
        return unavailable(errnoText(("receive from " + where).c_str(), errno));
      }
      // The connected socket already filters by peer; check anyway, cheaply.
      if (!samePeer(from, *peer)) {
        continue;
      }
      return std::string(buffer.data(), static_cast<std::size_t>(received));
    }
  }
  return deadlineExceeded("no reply from " + where + " after " + std::to_string(attempts) +
                          (attempts == 1 ? " attempt" : " attempts") +
                          (refused ? " (port unreachable)" : ""));
}

Result<dns::lab::Reply> UdpLabClient::registerRecord(const AsEndpoint& endpoint,
                                                     const dns::ARecord& record) const {
  auto reply = exchange(endpoint, dns::lab::encodeRegistration(record));
  if (!reply) {
    return reply.status();
  }
  return dns::lab::parseReply(*reply);
}

Result<dns::lab::Reply> UdpLabClient::query(const AsEndpoint& endpoint,
                                            std::string_view name) const {
  auto reply = exchange(endpoint, dns::lab::encodeQuery(name));
  if (!reply) {
    return reply.status();
  }
  return dns::lab::parseReply(*reply);
}

}  // namespace fibdns::net
