#include "fibdns/http/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_headers.h>

#include <pthread.h>

#include <csignal>
#include <exception>
#include <utility>

#include "fibdns/common/logging.h"

namespace fibdns::http {
namespace {

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

void send(const Http::Request& request, Http::ResponseWriter& response, const HttpReply& reply) {
  auto& headers = response.headers();
  if (request.version() == Http::Version::Http11 &&
      !request.headers().has<Http::Header::Connection>()) {
    // HTTP/1.1 connections persist by default (RFC 9112 §9.3); Pistache 0.0.5 says Close here.
    headers.remove<Http::Header::Connection>();
    headers.add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  }
  if (!reply.allow.empty()) {
    headers.add<AllowHeader>(reply.allow);
  }
  headers.add<ContentTypeHeader>(reply.content_type);
  response.send(static_cast<Http::Code>(reply.status), reply.body);
}

class RouterHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(RouterHandler)

  explicit RouterHandler(std::shared_ptr<const Router> router) : router_(std::move(router)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    try {
      const auto& query = request.query();
      HttpRequest view{Http::methodString(request.method()), request.resource(), request.body(),
                       [&query](const std::string& name) { return query.get(name); }};
      send(request, response, router_->dispatch(view));
    } catch (const std::exception& e) {
      log::error("http", std::string("request failed: ") + oneLine(e.what()));
      try {
        send(request, response, textReply(500, "internal error"));
      } catch (const std::exception&) {
        // The connection is gone; nothing left to tell the client.
      }
    }
  }

  void onTimeout(const Http::Request& /*request*/, Http::ResponseWriter response) override {
    try {
      response.headers().add<ContentTypeHeader>(std::string(kTextPlain));
      response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
      response.send(Http::Code::Request_Timeout, "request timeout: headers or body too slow");
    } catch (const std::exception&) {
      // The peer is gone.
    }
  }

 private:
  std::shared_ptr<const Router> router_;
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
    endpoint_->setHandler(Http::make_handler<RouterHandler>(router_));
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

}  // namespace fibdns::http

namespace fibdns::http {

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

}  // namespace fibdns::http
