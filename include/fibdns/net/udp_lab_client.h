#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::net {

/// Where an AS listens: an IPv4 (dotted quad) or IPv6 literal, without brackets, and a UDP port.
struct AsEndpoint {
  std::string ip;
  std::uint16_t port = 53533;
};

/// A sockaddr_in or sockaddr_in6, ready for connect/sendto.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

/// The socket address of an endpoint; InvalidArgument when `ip` is not an IPv4 or IPv6 literal
/// (an IPv4-mapped IPv6 literal gives the IPv4 address).
Result<SocketAddress> socketAddressOf(const AsEndpoint& endpoint);
/// True when `from` (recvfrom's source) is `peer`'s address and port.
bool samePeer(const sockaddr_storage& from, const SocketAddress& peer);
/// "10.0.0.1:53533" or "[::1]:53533", for messages.
std::string describe(const AsEndpoint& endpoint);

struct UdpLabClientOptions {
  std::chrono::milliseconds timeout{500};  // per attempt
  int attempts = 2;                        // first try + retries (UDP loses datagrams)
};

/// Client of the lab text protocol over UDP, shared by the FS (registration) and the US (query).
/// Each call opens its own connected socket, so one client object can be used from many threads.
/// A reply is accepted only from the address and port the request went to.
class UdpLabClient {
 public:
  explicit UdpLabClient(UdpLabClientOptions options = {});

  /// Sends `request` and waits for one reply datagram, retrying after each timeout.
  /// DeadlineExceeded when no reply came in any attempt; Unavailable on a socket error (e.g.
  /// ICMP port unreachable reported as ECONNREFUSED, which is retried like a timeout);
  /// InvalidArgument when endpoint.ip is not an IPv4 or IPv6 literal.
  Result<std::string> exchange(const AsEndpoint& endpoint, std::string_view request) const;

  /// Registers a record; the parsed reply (RegistrationSucceeded, ErrorReply, ...) or the
  /// transport error of exchange().
  Result<dns::lab::Reply> registerRecord(const AsEndpoint& endpoint,
                                         const dns::ARecord& record) const;

  /// Queries the A record of a normalised name; the parsed reply or the transport error.
  Result<dns::lab::Reply> query(const AsEndpoint& endpoint, std::string_view name) const;

 private:
  UdpLabClientOptions options_;
};

}  // namespace fibdns::net
