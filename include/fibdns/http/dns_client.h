#pragma once

#include <cstdint>
#include <string>

#include "fibdns/common/result.h"
#include "fibdns/net/udp_lab_client.h"

namespace fibdns::http {

/// What an AS answered for a name.
struct Resolution {
  std::string address;    // where the FS is: a dotted quad
  std::uint32_t ttl = 0;  // how long the answer may be cached, in seconds

  bool operator==(const Resolution&) const = default;
};

/// Resolves a name through an AS: the US's seam that unit tests mock.
///
/// Contract: the Resolution for a known name; otherwise
///  * NotFound: the AS answered "NOT FOUND!";
///  * DeadlineExceeded: no answer in time (after the retry), or the AS port refused;
///  * Unavailable: the AS answered something we cannot use (unparsable, an error reply, an answer
///    for another name); the message says what;
///  * InvalidArgument: `as.ip` is a host name the system resolver does not know.
/// Implementations are thread-safe. Never throws.
class DnsClient {
 public:
  virtual ~DnsClient() = default;
  virtual Result<Resolution> resolve(const net::AsEndpoint& as,
                                     const std::string& hostname) const = 0;
};

/// DnsClient over the lab text protocol (UdpLabClient). `as.ip` may be a host name, resolved with
/// the system resolver on each call. No caching here: UserService caches.
class UdpDnsClient : public DnsClient {
 public:
  explicit UdpDnsClient(const net::UdpLabClient& client) : client_(client) {}
  Result<Resolution> resolve(const net::AsEndpoint& as, const std::string& hostname) const override;

 private:
  const net::UdpLabClient& client_;
};

}  // namespace fibdns::http
