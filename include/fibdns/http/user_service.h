#pragma once

#include "fibdns/http/clock.h"
#include "fibdns/http/dns_cache.h"
#include "fibdns/http/dns_client.h"
#include "fibdns/http/fibonacci_client.h"
#include "fibdns/http/params.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {

struct UserServiceOptions {
  bool cache = true;  // keep AS answers for their TTL
  std::size_t cache_entries = 10000;
};

/// The US's orchestration, without I/O of its own: validate the five parameters, resolve the
/// hostname through the AS (DnsClient, cached up to the TTL), ask the FS (FibonacciClient) and pass
/// its answer through. Thread-safe: the collaborators are thread-safe and the cache locks.
///
///   400  a parameter missing, empty or invalid (names them), or an unresolvable as_ip;
///   404  the AS does not know the hostname;
///   502  the AS answered nonsense, or the FS is unreachable;
///   504  the AS did not answer, or the FS was too slow;
///   else the FS's status and body (200 "55", or the FS's 400 for a bad number).
class UserService {
 public:
  UserService(const DnsClient& dns, const FibonacciClient& fibonacci, const Clock& clock,
              UserServiceOptions options = {})
      : dns_(dns), fibonacci_(fibonacci), options_(options), cache_(clock, options.cache_entries) {}

  HttpReply fibonacci(const RawUserQuery& query) const;

 private:
  Result<Resolution> resolve(const UserRequest& request) const;

  const DnsClient& dns_;
  const FibonacciClient& fibonacci_;
  UserServiceOptions options_;
  mutable DnsCache cache_;
};

}  // namespace fibdns::http
