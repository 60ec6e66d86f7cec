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

UdpLabClient::UdpLabClient(UdpLabClientOptions options) : options_(options) {}

Result<std::string> UdpLabClient::exchange(const AsEndpoint& endpoint,
                                           std::string_view request) const {
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(endpoint.port);
  if (::inet_pton(AF_INET, endpoint.ip.c_str(), &peer.sin_addr) != 1) {
    return invalidArgument("not an IPv4 address: " + endpoint.ip);
  }
  const std::string where = endpoint.ip + ":" + std::to_string(endpoint.port);

  const Socket socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    return unavailable(errnoText("socket", errno));
  }
  // A connected UDP socket: the kernel delivers only datagrams from the peer's address and port,
  // and reports ICMP port unreachable as ECONNREFUSED.
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
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
      sockaddr_in from{};
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
      if (from.sin_addr.s_addr != peer.sin_addr.s_addr || from.sin_port != peer.sin_port) {
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
