#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fibdns::testing {

/// An IPv4 or IPv6 literal with a port, as a sockaddr. Throws std::invalid_argument for text
/// that is neither (tests give literals only).
struct Endpoint {
  Endpoint(const std::string& ip, unsigned short port);
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }

  sockaddr_storage storage{};
  socklen_t length = 0;
};

/// Owns a socket descriptor; -1 means none (a failed connect, say).
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket();
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// A UDP socket connected to `ip:port`, bound first to `source_ip` (port 0) when given.
/// Invalid when any step fails.
Socket connectedUdp(const std::string& ip, unsigned short port, const std::string& source_ip = "");

/// A TCP connection to `ip:port` from `source_ip` (port 0) when given, connected within
/// `timeout`. Invalid when any step fails or the time runs out.
Socket connectTcp(const std::string& ip, unsigned short port, const std::string& source_ip = "",
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// Sends `request` on a connected UDP socket and waits up to `timeout` for one datagram;
/// nullopt when none came (or the send failed).
std::optional<std::string> udpRoundTrip(const Socket& socket, const std::string& request,
                                        std::chrono::milliseconds timeout);

/// Sends one DNS message framed for TCP (RFC 1035 §4.2.2) and reads one framed reply within
/// `timeout`; nullopt when none came complete (closed, timed out, failed).
std::optional<std::vector<std::uint8_t>> tcpDnsRoundTrip(const Socket& socket,
                                                         const std::vector<std::uint8_t>& query,
                                                         std::chrono::milliseconds timeout);

/// Sends one datagram (IPv4 or IPv6) from a fresh socket and waits up to `timeout` for the
/// reply; "" when none came.
std::string udpExchange(const std::string& ip, unsigned short port, const std::string& request,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

/// Asks `request` every 20 ms until a reply comes or `timeout` passes; the reply or "".
std::string waitForUdpReply(const std::string& ip, unsigned short port,
                               const std::string& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A port free for both UDP and TCP on every IPv4 and IPv6 address a moment ago (for servers
/// that bind the wildcards).
unsigned short freeWildcardPort();

/// The lab protocol's registration and query texts.
std::string labRegistration(const std::string& name, const std::string& ip, int ttl);
std::string labQuery(const std::string& name);

}  // namespace fibdns::testing
