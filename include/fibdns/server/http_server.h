#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fibdns/common/result.h"
#include "fibdns/http/router.h"

namespace Pistache::Http {
class Endpoint;
}  // namespace Pistache::Http

namespace fibdns::server {

/// Told of every reply sent (path without query, status), on the thread that sent it: the hook
/// for request metrics. Must be thread-safe and must not throw.
using ReplyObserver = std::function<void(const std::string& path, int status)>;

struct HttpServerOptions {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any free port (see port())
  int threads = 2;
  /// Request line + headers + body. Bodies over the service's own limit (4 KiB) still reach the
  /// handler, which answers 413 itself; above this Pistache answers 413 on its own.
  std::size_t max_request_size = 16 * 1024;
  std::chrono::milliseconds header_timeout{5000};  // a silent client cannot hold a worker longer
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds keepalive_timeout{30000};
  ReplyObserver on_reply;  // may be empty
};

/// The Pistache 0.0.5 adapter: serves a Router on its own threads. Per request it builds an
/// HttpRequest view and dispatches; the handler answers at once or later, from any thread (the
/// ResponseWriter is kept until then, so an asynchronous handler holds no worker while it waits).
/// It sends the reply as text, adding what Pistache 0.0.5 gets wrong:
///  * an HTTP/1.1 request without a Connection header gets `Connection: keep-alive` (Pistache
///    answers `Connection: Close` to those, which makes every client reconnect);
///  * a reply that says `Connection: close` (the request asked for it, or HTTP/1.0 without
///    keep-alive) really closes: the socket is half-closed once the reply is written (Pistache
///    would keep it open until the keep-alive timeout);
///  * a 405 carries Allow, a 503 from the pending limit Retry-After.
/// Pistache itself still answers two cases with its own text: a request over max_request_size
/// (413 "Request exceeded maximum buffer size", one line, no Content-Type) and a header or body
/// timeout (408 with an empty body, then close).
/// The routing is our own (exact paths), so Pistache's Rest::Router and its per-method map race
/// (#1238) are not involved.
///
/// Whatever the Router's handlers use must outlive this object: Pistache joins its threads only
/// when the endpoint is destroyed, and shutdown() does not wait for running handlers (#1018).
class HttpServer {
 public:
  HttpServer(std::shared_ptr<const http::Router> router, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts serving on background threads. Unavailable when the address cannot be bound.
  Status start();
  /// The bound port (useful with port 0). Valid after start().
  std::uint16_t port() const;
  /// Stops accepting and serving. Idempotent; also done by the destructor.
  void shutdown();

 private:
  std::shared_ptr<const http::Router> router_;
  HttpServerOptions options_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  bool running_ = false;
};

}  // namespace fibdns::server
