#include "fibdns/metrics/metrics_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/common/text.h"
#include "fibdns/metrics/exposition.h"

namespace fibdns::metrics {
namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string printable(std::string_view text) { return text::oneLine(text, 64); }

int millisLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

std::string response(int status, std::string_view reason, std::string_view content_type,
                     std::string_view body, bool with_body, std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  if (with_body) {
    out += body;
  }
  return out;
}

}  // namespace

Result<ListenAddress> ListenAddress::parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalidArgument("expected [IPV6]:PORT, got '" + printable(text) + "'");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) {
      return invalidArgument("brackets are for IPv6 addresses: '" + printable(text) + "'");
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return invalidArgument("expected ADDR:PORT, got '" + printable(text) + "'");
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return invalidArgument("an IPv6 address needs brackets: [" + printable(host) + "]:PORT");
    }
  }
  auto ip = IpAddress::parse(host);
  if (!ip) {
    return invalidArgument("bad address in '" + printable(text) + "': " + ip.status().message());
  }
  auto port = flags::parsePort(port_text);
  if (!port) {
    return port.status();
  }
  return ListenAddress{*ip, *port};
}

std::string ListenAddress::toString() const {
  const std::string host =
      ip.family() == IpAddress::Family::V6 ? "[" + ip.toString() + "]" : ip.toString();
  return host + ":" + std::to_string(port);
}

Result<MetricsRequest> parseRequestLine(std::string_view head) {
  const auto end = head.find("\r\n");
  if (end == std::string_view::npos) {
    return invalidArgument("incomplete request line");
  }
  const std::string_view line = head.substr(0, end);
  const auto first = line.find(' ');
  const auto last = line.rfind(' ');
  if (first == std::string_view::npos || first == last || first == 0) {
    return invalidArgument("malformed request line");
  }
  const std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (version.substr(0, 7) != "HTTP/1." || target.empty() || target.front() != '/') {
    return invalidArgument("malformed request line");
  }
  for (const char c : method) {
    if (c < 'A' || c > 'Z') {
      return invalidArgument("malformed method");
    }
  }
  target = target.substr(0, target.find('?'));
  return MetricsRequest{std::string(method), std::string(target)};
}

MetricsHttpServer::MetricsHttpServer(std::function<std::string()> render,
                                     MetricsHttpServerOptions options)
    : render_(std::move(render)), options_(std::move(options)) {}

MetricsHttpServer::~MetricsHttpServer() { stop(); }

Status MetricsHttpServer::start() {
  if (listen_fd_ >= 0 || thread_.joinable()) {
    return failedPrecondition("metrics server already started");
  }
  const bool v6 = options_.listen.ip.family() == IpAddress::Family::V6;
  const std::string where = options_.listen.toString();
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return unavailable(errnoText("metrics socket"));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int bound = -1;
  if (v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(options_.listen.port);
    std::memcpy(&address.sin6_addr, options_.listen.ip.bytes().data(), 16);
    bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options_.listen.port);
    std::memcpy(&address.sin_addr, options_.listen.ip.bytes().data(), 4);
    bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }
  if (bound != 0 || ::listen(fd, 64) != 0) {
    const Status status = unavailable(errnoText("cannot serve metrics on " + where));
    ::close(fd);
    return status;
  }
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  port_ = ntohs(v6 ? reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port
                   : reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    const Status status = unavailable(errnoText("eventfd"));
    ::close(fd);
    return status;
  }
  listen_fd_ = fd;
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void MetricsHttpServer::stop() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
    wake_fd_ = -1;
  }
}

void MetricsHttpServer::run() {
  while (true) {
    pollfd waiters[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(waiters, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      log::error("metrics", errnoText("poll"));
      return;
    }
    if (waiters[1].revents != 0) {
      return;
    }
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: wait a little rather than spin on a pending connection.
        pollfd wake{wake_fd_, POLLIN, 0};
        if (::poll(&wake, 1, 100) > 0) {
          return;
        }
      }
      continue;
    }
    serveClient(client);
    ::close(client);
  }
}

void MetricsHttpServer::serveClient(int fd) {
  const auto deadline = Clock::now() + options_.client_timeout;
  std::string head;
  char buffer[2048];
  std::string reply;
  bool complete = false;
  while (!complete) {
    pollfd waiters[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = ::poll(waiters, 2, millisLeft(deadline));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0 || waiters[1].revents != 0) {
      return;  // too slow, or stopping: drop the connection
    }
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (got <= 0) {
      return;
    }
    head.append(buffer, static_cast<std::size_t>(got));
    complete = head.find("\r\n\r\n") != std::string::npos;
    if (!complete && head.size() > options_.max_request_head) {
      reply = response(431, "Request Header Fields Too Large", "text/plain; charset=utf-8",
                       "request head too large\n", true);
      break;
    }
  }
  if (reply.empty()) {
    auto request = parseRequestLine(head);
    if (!request) {
      reply = response(400, "Bad Request", "text/plain; charset=utf-8",
                       request.status().message() + "\n", true);
    } else if (request->path != "/metrics" && request->path != "/metrics/") {
      reply = response(404, "Not Found", "text/plain; charset=utf-8",
                       "not found: " + printable(request->path) + " (try /metrics)\n", true);
    } else if (request->method != "GET" && request->method != "HEAD") {
      reply =
          response(405, "Method Not Allowed", "text/plain; charset=utf-8",
                   "method " + printable(request->method) + " not allowed (allowed: GET, HEAD)\n",
                   true, "Allow: GET, HEAD\r\n");
    } else {
      try {
        reply = response(200, "OK", kContentType, render_(), request->method == "GET");
      } catch (const std::exception& e) {
        log::error("metrics", std::string("render failed: ") + printable(e.what()));
        reply = response(500, "Internal Server Error", "text/plain; charset=utf-8",
                         "internal error\n", true);
      }
    }
  }
  std::string_view rest = reply;
  while (!rest.empty()) {
    const ssize_t sent = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      rest.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd waiters[2] = {{fd, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
      if (::poll(waiters, 2, millisLeft(deadline + options_.client_timeout)) <= 0 ||
          waiters[1].revents != 0) {
        return;
      }
      continue;
    }
    return;
  }
  served_.fetch_add(1);
  // Half-close, then let the client read everything before the close in run().
  ::shutdown(fd, SHUT_WR);
}

}  // namespace fibdns::metrics
