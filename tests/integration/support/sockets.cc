#include "integration/support/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace fibdns::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd pfd{fd, events, 0};
    const int ready = ::poll(&pfd, 1, remainingMs(deadline));
    if (ready > 0) {
      return true;
    }
    if (ready == 0 || errno != EINTR) {
      return false;
    }
  }
}

// Reads exactly `size` bytes before the deadline.
bool readExactly(int fd, std::uint8_t* out, std::size_t size, Clock::time_point deadline) {
  std::size_t got = 0;
  while (got < size) {
    if (!waitFor(fd, POLLIN, deadline)) {
      return false;
    }
    const ssize_t n = ::recv(fd, out + got, size - got, MSG_DONTWAIT);
    if (n == 0) {
      return false;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        continue;
      }
      return false;
    }
    got += static_cast<std::size_t>(n);
  }
  return true;
}

Socket boundSocket(int family, int type, const std::string& source_ip) {
  Socket socket(::socket(family, type | SOCK_CLOEXEC, 0));
  if (!socket.valid() || source_ip.empty()) {
    return socket;
  }
  const Endpoint source(source_ip, 0);
  if (source.family() != family || ::bind(socket.fd(), source.get(), source.length) != 0) {
    return Socket();
  }
  return socket;
}

}  // namespace

Endpoint::Endpoint(const std::string& ip, unsigned short port) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return;
  }
  storage = {};
  if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return;
  }
  throw std::invalid_argument("not an IP literal: " + ip);
}

Socket::~Socket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Socket connectedUdp(const std::string& ip, unsigned short port, const std::string& source_ip) {
  const Endpoint peer(ip, port);
  Socket socket = boundSocket(peer.family(), SOCK_DGRAM, source_ip);
  if (!socket.valid() || ::connect(socket.fd(), peer.get(), peer.length) != 0) {
    return Socket();
  }
  return socket;
}

Socket connectTcp(const std::string& ip, unsigned short port, const std::string& source_ip,
                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const Endpoint peer(ip, port);
  Socket socket = boundSocket(peer.family(), SOCK_STREAM | SOCK_NONBLOCK, source_ip);
  if (!socket.valid()) {
    return socket;
  }
  if (::connect(socket.fd(), peer.get(), peer.length) != 0) {
    if (errno != EINPROGRESS || !waitFor(socket.fd(), POLLOUT, deadline)) {
      return Socket();
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      return Socket();
    }
  }
  return socket;
}

std::optional<std::string> udpRoundTrip(const Socket& socket, const std::string& request,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    return std::nullopt;
  }
  char buffer[65536];
  while (waitFor(socket.fd(), POLLIN, deadline)) {
    const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n >= 0) {
      return std::string(buffer, static_cast<std::size_t>(n));
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return std::nullopt;  // e.g. ECONNREFUSED: nobody listens any more
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::uint8_t>> tcpDnsRoundTrip(const Socket& socket,
                                                         const std::vector<std::uint8_t>& query,
                                                         std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::uint8_t> frame;
  frame.push_back(static_cast<std::uint8_t>(query.size() >> 8));
  frame.push_back(static_cast<std::uint8_t>(query.size() & 0xff));
  frame.insert(frame.end(), query.begin(), query.end());
  std::size_t sent = 0;
  while (sent < frame.size()) {
    if (!waitFor(socket.fd(), POLLOUT, deadline)) {
      return std::nullopt;
    }
    const ssize_t n =
        ::send(socket.fd(), frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        continue;
      }
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::uint8_t length[2];
  if (!readExactly(socket.fd(), length, 2, deadline)) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> reply((static_cast<std::size_t>(length[0]) << 8) | length[1]);
  if (!readExactly(socket.fd(), reply.data(), reply.size(), deadline)) {
    return std::nullopt;
  }
  return reply;
}

std::string udpExchange(const std::string& ip, unsigned short port, const std::string& request,
                           std::chrono::milliseconds timeout) {
  const Socket socket = connectedUdp(ip, port);
  if (!socket.valid()) {
    return {};
  }
  return udpRoundTrip(socket, request, timeout).value_or("");
}

std::string waitForUdpReply(const std::string& ip, unsigned short port,
                               const std::string& request, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::string reply = udpExchange(ip, port, request, std::chrono::milliseconds(100));
    if (!reply.empty()) {
      return reply;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

unsigned short freeWildcardPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    // A dual-stack [::] socket holds the port on 0.0.0.0 too.
    Socket udp(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const int off = 0;
    (void)::setsockopt(udp.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    const Endpoint any("::", 0);
    if (::bind(udp.fd(), any.get(), any.length) != 0) {
      continue;
    }
    sockaddr_in6 bound{};
    socklen_t length = sizeof bound;
    ::getsockname(udp.fd(), reinterpret_cast<sockaddr*>(&bound), &length);
    const unsigned short port = ntohs(bound.sin6_port);
    Socket tcp(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    (void)::setsockopt(tcp.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    const Endpoint same("::", port);
    if (::bind(tcp.fd(), same.get(), same.length) == 0) {
      return port;
    }
  }
  throw std::runtime_error("no port free on the wildcard addresses");
}

std::string labRegistration(const std::string& name, const std::string& ip, int ttl) {
  std::string text = "TYPE=A\nNAME=";
  text.append(name).append("\nVALUE=").append(ip).append("\nTTL=").append(std::to_string(ttl));
  text.append("\n");
  return text;
}

std::string labQuery(const std::string& name) {
  std::string text = "TYPE=A\nNAME=";
  text.append(name).append("\n");
  return text;
}

}  // namespace fibdns::testing
