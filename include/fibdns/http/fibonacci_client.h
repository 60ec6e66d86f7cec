#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

namespace fibdns::http {

/// What the FS answered; the US checks it before relaying anything.
struct FibonacciResponse {
  int status = 0;
  std::string body;
  std::string content_type;  // empty when the FS sent none

  bool operator==(const FibonacciResponse&) const = default;
};

using FibonacciCallback = std::function<void(Result<FibonacciResponse>)>;

/// Asks an FS for F(number), asynchronously: the US's seam that unit tests fake.
///
/// Contract: `done` is called exactly once. Whatever HTTP answer the FS gave (any status) is a
/// value; otherwise
///  * Unavailable: the FS could not be reached (refused, reset, no response), or its body was
///    over the size limit;
///  * DeadlineExceeded: it did not answer in time;
///  * PermissionDenied: the FS address is outside the allowed upstream ranges (nothing was sent);
///  * FailedPrecondition: the client is shutting down.
/// `number` is passed as given; the implementation percent-encodes it. `done` may run on another
/// thread, and before fetch() returns. Never blocks on I/O, never throws. Thread-safe.
class FibonacciClient {
 public:
  virtual ~FibonacciClient() = default;
  virtual void fetch(const std::string& host, std::uint16_t port, const std::string& number,
                     FibonacciCallback done) const = 0;
};

/// "http://HOST:PORT/fibonacci?number=<percent-encoded number>"; an IPv6 HOST is bracketed.
std::string buildFibonacciUrl(std::string_view host, std::uint16_t port, std::string_view number);

}  // namespace fibdns::http
