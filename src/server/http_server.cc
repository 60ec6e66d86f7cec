#include "fibdns/server/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_headers.h>
#include <pistache/peer.h>

#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <exception>
#include <utility>

#include "fibdns/common/logging.h"
#include "fibdns/http/reply.h"

namespace fibdns::server {
namespace {

using http::HttpReply;
using http::HttpRequest;
using http::oneLine;
using http::Respond;
using http::Router;
using http::textReply;

namespace Http = Pistache::Http;

/// A response header whose value is sent as given. Pistache 0.0.5 does not write the "raw" headers
/// of a response, and its typed Allow/Content-Type need enum and MIME parsing we do not need.
class TextHeader : public Http::Header::Header {
 public:
  explicit TextHeader(std::string value) : value_(std::move(value)) {}
  void parseRaw(const char* data, std::size_t length) override { value_.assign(data, length); }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string value_;
};

class ContentTypeHeader : public TextHeader {
 public:
  NAME("Content-Type")
  using TextHeader::TextHeader;
};

class AllowHeader : public TextHeader {
 public:
  NAME("Allow")
  using TextHeader::TextHeader;
};

class RetryAfterHeader : public TextHeader {
 public:
  NAME("Retry-After")
  using TextHeader::TextHeader;
};

/// What the reply must say about the connection, decided from the request while it is alive.
enum class Persistence { AsPistacheSays, KeepAlive, Close };

Persistence persistenceOf(const Http::Request& request) {
  const auto connection = request.headers().tryGet<Http::Header::Connection>();
  if (connection) {
    return connection->control() == Http::ConnectionControl::Close ? Persistence::Close
                                                                   : Persistence::AsPistacheSays;
  }
  // RFC 9112 §9.3: HTTP/1.1 persists by default (Pistache 0.0.5 would say Close); HTTP/1.0 closes.
  return request.version() == Http::Version::Http11 ? Persistence::KeepAlive : Persistence::Close;
}

/// One request's answer channel: the ResponseWriter kept until the reply is ready (Pistache lets a
/// handler answer later, from another thread: its write queue is thread-safe).
struct PendingResponse {
  PendingResponse(Http::ResponseWriter response, Persistence connection, std::string resource)
      : writer(std::move(response)), persistence(connection), path(std::move(resource)) {}
  Http::ResponseWriter writer;
  Persistence persistence;
  std::string path;
  std::atomic<bool> answered{false};
};

void send(PendingResponse& pending, const HttpReply& reply) {
  auto& headers = pending.writer.headers();
  if (pending.persistence != Persistence::AsPistacheSays) {
    headers.remove<Http::Header::Connection>();
    headers.add<Http::Header::Connection>(pending.persistence == Persistence::Close
                                              ? Http::ConnectionControl::Close
                                              : Http::ConnectionControl::KeepAlive);
  }
  if (!reply.allow.empty()) {
    headers.add<AllowHeader>(reply.allow);
  }
  if (!reply.retry_after.empty()) {
    headers.add<RetryAfterHeader>(reply.retry_after);
  }
  headers.add<ContentTypeHeader>(reply.content_type);
  const std::shared_ptr<Pistache::Tcp::Peer> peer = pending.writer.getPeer();
  auto sent = pending.writer.send(static_cast<Http::Code>(reply.status), reply.body);
  if (pending.persistence == Persistence::Close && peer) {
    // Pistache 0.0.5 says "Connection: close" but keeps the socket until the keep-alive timeout.
    // Half-close once the reply is written: the client reads it, then EOF, and closes; Pistache
    // then sees the EOF and drops the connection.
    sent.then([peer](ssize_t) { ::shutdown(peer->fd(), SHUT_WR); },
              Pistache::Async::IgnoreException);
  }
}

class RouterHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(RouterHandler)

  RouterHandler(std::shared_ptr<const Router> router, ReplyObserver observer)
      : router_(std::move(router)), observer_(std::move(observer)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    auto pending = std::make_shared<PendingResponse>(std::move(response), persistenceOf(request),
                                                     request.resource());
    Respond respond = [pending, observer = observer_](HttpReply reply) {
      if (pending->answered.exchange(true)) {
        return;  // the first answer wins
      }
      try {
        send(*pending, reply);
      } catch (const std::exception& e) {
        // The connection is gone; nothing left to tell the client.
        log::debug("http", std::string("reply not sent: ") + oneLine(e.what()));
      }
      if (observer) {
        observer(pending->path, reply.status);
      }
    };
    try {
      const auto& query = request.query();
      HttpRequest view{Http::methodString(request.method()), request.resource(), request.body(),
                       [&query](const std::string& name) { return query.get(name); }};
      router_->dispatch(view, respond);
    } catch (const std::exception& e) {
      log::error("http", std::string("request failed: ") + oneLine(e.what()));
      respond(textReply(500, "internal error"));
    }
  }

  void onTimeout(const Http::Request& /*request*/, Http::ResponseWriter response) override {
    try {
      response.headers().add<ContentTypeHeader>(std::string(http::kTextPlain));
      response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
      response.send(Http::Code::Request_Timeout, "request timeout: headers or body too slow");
    } catch (const std::exception&) {
      // The peer is gone.
    }
  }

 private:
  std::shared_ptr<const Router> router_;
  ReplyObserver observer_;
};

}  // namespace

HttpServer::HttpServer(std::shared_ptr<const Router> router, HttpServerOptions options)
    : router_(std::move(router)), options_(std::move(options)) {}

HttpServer::~HttpServer() { shutdown(); }

Status HttpServer::start() {
  try {
    const Pistache::Address address(options_.bind, Pistache::Port(options_.port));
    endpoint_ = std::make_unique<Http::Endpoint>(address);
    auto opts = Http::Endpoint::options()
                    .threads(options_.threads)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    .maxRequestSize(options_.max_request_size)
                    .headerTimeout(options_.header_timeout)
                    .bodyTimeout(options_.body_timeout)
                    .keepaliveTimeout(options_.keepalive_timeout);
    endpoint_->init(opts);
    endpoint_->setHandler(Http::make_handler<RouterHandler>(router_, options_.on_reply));
    endpoint_->serveThreaded();
    running_ = true;
    return Status::ok();
  } catch (const std::exception& e) {
    endpoint_.reset();
    return unavailable("cannot serve HTTP on " + options_.bind + ":" +
                       std::to_string(options_.port) + ": " + oneLine(e.what()));
  }
}

std::uint16_t HttpServer::port() const {
  return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0;
}

void HttpServer::shutdown() {
  if (running_) {
    running_ = false;
    try {
      endpoint_->shutdown();
    } catch (const std::exception& e) {
      log::warn("http", std::string("shutdown: ") + oneLine(e.what()));
    }
  }
  endpoint_.reset();  // joins Pistache's threads
}

}  // namespace fibdns::server

namespace fibdns::server {

void blockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int waitForTerminationSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

}  // namespace fibdns::server
