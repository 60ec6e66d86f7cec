#pragma once

#include <cstdint>
#include <functional>
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

using ResolutionCallback = std::function<void(Result<Resolution>)>;

/// Resolves a name through an AS, asynchronously: the US's seam that unit tests fake.
///
/// Contract: `done` is called exactly once, with the Resolution for a known name; otherwise
///  * NotFound: the AS answered "NOT FOUND!";
///  * DeadlineExceeded: no answer in time (after the retry), or the AS port refused;
///  * Unavailable: the AS answered something we cannot use (unparsable, an error reply, an answer
///    for another name); the message says what;
///  * InvalidArgument: `as.ip` is a host name that does not resolve;
///  * PermissionDenied: the AS address is outside the allowed upstream ranges (nothing was sent);
///  * FailedPrecondition: the client is shutting down.
/// `done` may run on another thread, and may run before resolve() returns. resolve() never
/// blocks on I/O and never throws. Implementations are thread-safe.
class DnsClient {
 public:
  virtual ~DnsClient() = default;
  virtual void resolve(const net::AsEndpoint& as, const std::string& hostname,
                       ResolutionCallback done) const = 0;
};

}  // namespace fibdns::http
