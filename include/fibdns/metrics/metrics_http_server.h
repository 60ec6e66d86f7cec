#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/result.h"

namespace fibdns::metrics {

/// Where to listen: an IPv4 or IPv6 address and a TCP port (0: any free port).
struct ListenAddress {
  IpAddress ip;
  std::uint16_t port = 0;

  /// "ADDR:PORT" with ADDR an IPv4 literal ("127.0.0.1:9153") or a bracketed IPv6 literal
  /// ("[::1]:9153", "[::]:9153"); PORT 1..65535. InvalidArgument with a one-line reason otherwise
  /// (host names are refused: a metrics port is bound to an address the operator chose).
  static Result<ListenAddress> parse(std::string_view text);
  /// "127.0.0.1:9153" or "[::1]:9153".
  std::string toString() const;
};

/// What a request to the metrics endpoint asks for, from its request line.
struct MetricsRequest {
  std::string method;
  std::string path;  // without the query string
};

/// Parses the request line of an HTTP/1.x request head ("GET /metrics?x HTTP/1.1\r\n...").
/// InvalidArgument when the head has no complete, well-formed request line. Pure.
Result<MetricsRequest> parseRequestLine(std::string_view head);

struct MetricsHttpServerOptions {
  ListenAddress listen;
  /// A client must send its whole request head within this time, or it is disconnected. Bounds
  /// how long one slow client delays the others (connections are served one at a time).
  std::chrono::milliseconds client_timeout{2000};
  std::size_t max_request_head = 8192;  // larger heads get 431
};

/// A minimal HTTP/1.1 server for `GET /metrics` (and `/metrics/`), on its own thread, for a server
/// that has no HTTP stack of its own (the AS: `--metrics ADDR:PORT`). It is never on the caller's
/// data path: the only shared state is what `render` reads (prometheus-cpp metrics are atomic).
///
/// Behaviour: `GET /metrics` → 200, Content-Type kContentType, body = render(); `HEAD` the same
/// without body; another method on /metrics → 405 with `Allow: GET, HEAD`; any other path → 404;
/// an unparsable head → 400; every reply is one-line text (except the metrics) and ends with
/// `Connection: close` (one request per connection, so no keep-alive state to bound). Clients are
/// served one at a time; each gets at most `client_timeout` to send its request.
///
/// Thread-safety and lifetime: start() once; stop() (or the destructor) closes the socket and
/// joins the thread, promptly (it wakes the thread through an eventfd), and is idempotent.
/// `render` is called on the server's thread; it must be thread-safe and outlive stop(); an
/// exception from it becomes a 500 (never escapes the thread).
class MetricsHttpServer {
 public:
  MetricsHttpServer(std::function<std::string()> render, MetricsHttpServerOptions options);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  /// Binds (SO_REUSEADDR; IPV6_V6ONLY on an IPv6 address, so "[::]" does not take the IPv4
  /// port too), listens and starts the thread. Unavailable with the reason when the address
  /// cannot be bound; calling it twice is an error (FailedPrecondition).
  Status start();
  /// The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const { return port_; }
  void stop();

  /// Requests answered so far (any status), for tests.
  std::uint64_t requestsServedForTest() const { return served_.load(); }

 private:
  void run();
  void serveClient(int fd);

  std::function<std::string()> render_;
  MetricsHttpServerOptions options_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() writes, the thread's poll wakes
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> served_{0};
  std::thread thread_;
};

}  // namespace fibdns::metrics
