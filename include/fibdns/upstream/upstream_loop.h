#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/result.h"
#include "fibdns/net/udp_lab_client.h"

/// The US's and FS's outbound I/O, on one event-loop thread so that no HTTP worker ever waits for
/// an upstream: lab-protocol UDP exchanges (non-blocking sockets), HTTP GETs (libcurl's multi
/// interface) and host-name lookups (c-ares). One epoll set drives all three.
namespace fibdns::upstream {

struct UdpExchangeOptions {
  std::chrono::milliseconds timeout{500};  // per attempt
  int attempts = 2;                        // first try + retries (UDP loses datagrams)
};

struct HttpGetOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds total_timeout{2000};
  std::size_t max_body = 1U << 20U;  // a longer body fails the call (Unavailable)
};

struct HttpGetResponse {
  int status = 0;
  std::string body;
  std::string content_type;  // empty when none was sent
};

/// The event loop. Construct, start(), then hand it to the async clients; stop() (or the
/// destructor) joins the thread.
///
/// Threading: post() is thread-safe and is the only way in from other threads. Every other
/// method must be called on the loop thread (from a posted task or a completion callback).
/// Completion callbacks run on the loop thread, each exactly once, never inside libcurl's or
/// c-ares's own frames (they are queued and run after the event that finished them), so they may
/// start new operations. A callback must not block and must not throw (an exception is caught,
/// logged and dropped: the loop goes on).
///
/// Shutdown: stop() wakes the thread, which completes every operation still in flight with
/// FailedPrecondition("shutting down") (a 503) on its way out; after that, post() returns false.
class UpstreamLoop {
 public:
  UpstreamLoop();
  ~UpstreamLoop();
  UpstreamLoop(const UpstreamLoop&) = delete;
  UpstreamLoop& operator=(const UpstreamLoop&) = delete;

  /// Creates the epoll set, libcurl's multi handle and the c-ares channel, and starts the thread.
  /// Needs curl_global_init (initCurl()) to have run. Unavailable or Internal on failure.
  Status start();
  void stop();

  /// Runs `task` on the loop thread, soon. False (and `task` is dropped) once stopping.
  bool post(std::function<void()> task);

  // ---- loop thread only ----

  /// Sends `request` to `peer` from a fresh non-blocking UDP socket connected there, and
  /// completes with the first reply datagram; resends after each timeout. DeadlineExceeded after
  /// the last attempt (noting "port unreachable" when ICMP said so), Unavailable on a socket error.
  void exchangeUdp(const net::AsEndpoint& peer, std::string request, UdpExchangeOptions options,
                   std::function<void(Result<std::string>)> done);

  /// GET `url` (http only; redirects are not followed). Any HTTP answer is a value; Unavailable
  /// when unreachable or the body is over max_body, DeadlineExceeded on a timeout.
  void httpGet(const std::string& url, HttpGetOptions options,
               std::function<void(Result<HttpGetResponse>)> done);

  /// Resolves `host` to the first of its addresses that `allowed` allows. A numeric literal is not
  /// looked up. InvalidArgument when the name does not resolve (c-ares: /etc/hosts, then DNS);
  /// PermissionDenied when it resolves only to addresses outside `allowed` (naming the first).
  void resolveAllowed(const std::string& host, const AllowList& allowed,
                      std::function<void(Result<IpAddress>)> done);

  /// Operations in flight (UDP exchanges, HTTP GETs, lookups); loop thread only.
  std::size_t inFlightForTest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace fibdns::upstream
