#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::net {

/// Where an AS listens: an IPv4 address (dotted quad) and a UDP port.
struct AsEndpoint {
  std::string ip;
  std::uint16_t port = 53533;
};

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
  /// InvalidArgument when endpoint.ip is not an IPv4 address.
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
