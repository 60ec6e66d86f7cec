#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  std::size_t max_pending = 10000;  // requests waiting on upstreams; beyond: 503 at once
};

/// Observation points for metrics, called on whatever thread completes the step. Each may be
/// empty. The service has no metrics library of its own: main wires these to Prometheus.
struct UserServiceHooks {
  std::function<void(double seconds, StatusCode outcome)> as_latency;  // one AS query (a miss)
  std::function<void(double seconds, StatusCode outcome)> fs_latency;  // one FS call
  std::function<void()> cache_hit;
  std::function<void()> cache_miss;  // including misses that joined a query in flight
  std::function<void()> coalesced;   // a miss that joined a query in flight
};

/// The longest FS error line the US relays (longer is a 502).
inline constexpr std::size_t kMaxRelayedErrorLength = 512;

/// The US's orchestration, without I/O of its own: validate the five parameters, resolve the
/// hostname through the AS (DnsClient: cached up to the TTL; concurrent misses for the same
/// (AS, name) share one query), ask the FS (FibonacciClient) and relay its answer if it is one an
/// FS gives. Asynchronous: fibonacci() returns at once and `respond` runs when the upstreams have
/// answered (on their thread), exactly once.
///
///   400  a parameter missing, empty or invalid (names them), or an unresolvable as_ip;
///   403  the AS or FS address is outside the allowed upstream ranges;
///   404  the AS does not know the hostname;
///   502  the AS answered nonsense, the FS is unreachable, or the FS answered something that is
///        neither a decimal number (200) nor its own one-line text error;
///   503  more than max_pending requests are already waiting (with Retry-After: 1);
///   504  the AS did not answer, or the FS was too slow;
///   else the FS's answer: 200 with the number, or the FS's error status and line (400 for a bad
///   number).
/// Thread-safe: the collaborators are thread-safe, the cache and the in-flight table lock.
/// The collaborators must complete every call (their shutdown completes with an error), and must
/// outlive the last completion.
class UserService {
 public:
  using Respond = std::function<void(HttpReply)>;

  UserService(const DnsClient& dns, const FibonacciClient& fibonacci, const Clock& clock,
              UserServiceOptions options = {}, UserServiceHooks hooks = {});

  void fibonacci(const RawUserQuery& query, Respond respond);

  /// Requests accepted and not yet answered.
  std::size_t pending() const { return pending_.load(); }

 private:
  void resolve(const UserRequest& request, std::function<void(const Result<Resolution>&)> next);
  void askFs(const UserRequest& request, const Resolution& resolution, Respond respond);

  const DnsClient& dns_;
  const FibonacciClient& fibonacci_;
  const Clock& clock_;
  UserServiceOptions options_;
  UserServiceHooks hooks_;
  DnsCache cache_;
  std::atomic<std::size_t> pending_{0};
  std::mutex inflight_mutex_;
  std::unordered_map<std::string, std::vector<std::function<void(const Result<Resolution>&)>>>
      inflight_;
};

/// The US's judgement of an FS answer: the reply to relay, or a 502 naming what was wrong.
/// Relayed: 200 whose body is a decimal number (one optional trailing newline), and 4xx/5xx whose
/// body is one line of printable text (at most kMaxRelayedErrorLength bytes), both with a
/// text/plain Content-Type. `where` names the FS in the 502's message.
HttpReply relayFibonacciAnswer(const FibonacciResponse& response, const std::string& where);

}  // namespace fibdns::http
