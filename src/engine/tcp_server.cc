#include "fibdns/engine/tcp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <cstring>

#include "fibdns/common/logging.h"

namespace fibdns::engine {
namespace {

using Clock = std::chrono::steady_clock;

// RFC 1035 §4.2.2: a message shorter than a DNS header cannot be a query.
constexpr std::size_t kMinMessage = 12;
// Input kept per connection: one largest frame (2 + 65535) plus one read. Reading stops there
// until the frames in it are answered, so a fast sender cannot grow it.
constexpr std::size_t kReadChunk = 16384;
constexpr std::size_t kMaxInput = 2 + 65535 + kReadChunk;
// Frames answered per connection per wake-up, so one busy connection cannot starve the rest.
constexpr int kMaxFramesPerWakeup = 64;

std::size_t frameEnd(const std::vector<std::uint8_t>& input) {
  if (input.size() < 2) {
    return 0;
  }
  return 2 + ((static_cast<std::size_t>(input[0]) << 8) | input[1]);
}

}  // namespace

Result<std::unique_ptr<TcpServer>> TcpServer::listen(const SocketAddress& address,
                                                     Options options) {
  const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return unavailable("cannot listen on TCP " + address.toString() + ": socket: " +
                       std::strerror(errno));
  }
  std::unique_ptr<TcpServer> server(
      new TcpServer(fd, ::open("/dev/null", O_RDONLY | O_CLOEXEC), options));
  const int on = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (address.family() == AF_INET6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  if (::bind(fd, address.get(), address.length) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    return unavailable("cannot listen on TCP " + address.toString() + ": " +
                       std::strerror(errno));
  }
  return server;
}

TcpServer::TcpServer(int listen_fd, int reserve_fd, Options options)
    : listen_fd_(listen_fd), reserve_fd_(reserve_fd), options_(options) {}

TcpServer::~TcpServer() {
  for (Connection& connection : connections_) {
    ::close(connection.fd);
  }
  ::close(listen_fd_);
  if (reserve_fd_ >= 0) {
    ::close(reserve_fd_);
  }
}

std::uint16_t TcpServer::port() const {
  SocketAddress bound;
  bound.length = sizeof bound.storage;
  if (::getsockname(listen_fd_, bound.get(), &bound.length) != 0) {
    return 0;
  }
  return bound.port();
}

void TcpServer::appendPollFds(std::vector<pollfd>& fds) const {
  fds.push_back({listen_fd_, POLLIN, 0});
  for (const Connection& connection : connections_) {
    short events = 0;
    if (!connection.peer_closed && connection.input.size() < kMaxInput && !outputFull(connection)) {
      events |= POLLIN;
    }
    if (connection.output_sent < connection.output.size()) {
      events |= POLLOUT;
    }
    fds.push_back({connection.fd, events, 0});
  }
}

void TcpServer::handle(std::span<const pollfd> fds, const MessageHandler& handler) {
  // fds mirrors appendPollFds: the listener first, then connections_ in order. Connections
  // accepted below are appended after those and polled next time.
  const std::size_t known = connections_.size();
  for (std::size_t i = 0; i < known; ++i) {
    Connection& connection = connections_[i];
    const short revents = i + 1 < fds.size() && fds[i + 1].fd == connection.fd
                              ? fds[i + 1].revents
                              : static_cast<short>(0);
    if ((revents & (POLLERR | POLLNVAL)) != 0) {
      connection.broken = true;
      continue;
    }
    if ((revents & (POLLIN | POLLHUP)) != 0 && !connection.peer_closed) {
      readFrom(connection);
    }
    // Also without new input: frames left over when the output was full are answered once it
    // has drained.
    answerFrames(connection, handler);
    if (!connection.broken && connection.output_sent < connection.output.size()) {
      writeTo(connection);
    }
  }
  if (!fds.empty() && (fds[0].revents & POLLIN) != 0) {
    acceptAll();
  }
  closeIdleAndDead();
}

bool TcpServer::outputFull(const Connection& connection) const {
  return connection.output.size() - connection.output_sent >= options_.max_pending_output;
}

bool TcpServer::hasAnswerableFrame(const Connection& connection) const {
  const std::size_t end = frameEnd(connection.input);
  return end != 0 && end <= connection.input.size() && !outputFull(connection) &&
         !connection.broken && !connection.awaiting;
}

void TcpServer::Reply::send(std::span<const std::uint8_t> message) {
  server_.appendFramed(*static_cast<Connection*>(connection_), message);
}

std::uint64_t TcpServer::Reply::defer() {
  auto& connection = *static_cast<Connection*>(connection_);
  connection.awaiting = true;
  return connection.id;
}

const SocketAddress& TcpServer::Reply::peer() const {
  return static_cast<const Connection*>(connection_)->peer;
}

void TcpServer::appendFramed(Connection& connection, std::span<const std::uint8_t> message) {
  if (message.empty() || message.size() > 65535) {
    return;
  }
  connection.output.push_back(static_cast<std::uint8_t>(message.size() >> 8));
  connection.output.push_back(static_cast<std::uint8_t>(message.size() & 0xff));
  connection.output.insert(connection.output.end(), message.begin(), message.end());
}

bool TcpServer::deliver(std::uint64_t id, std::span<const std::vector<std::uint8_t>> messages) {
  for (Connection& connection : connections_) {
    if (connection.id != id) {
      continue;
    }
    for (const auto& message : messages) {
      appendFramed(connection, message);
    }
    connection.awaiting = false;
    connection.last_activity = Clock::now();
    if (!connection.broken) {
      writeTo(connection);
    }
    return true;
  }
  return false;
}

int TcpServer::nextTimeoutMs() const {
  if (connections_.empty()) {
    return -1;
  }
  for (const Connection& connection : connections_) {
    if (hasAnswerableFrame(connection)) {
      return 0;
    }
  }
  std::optional<Clock::time_point> oldest;
  for (const Connection& connection : connections_) {
    if (!connection.awaiting) {  // a connection waiting for a deferred answer is never idle
      oldest = oldest ? std::min(*oldest, connection.last_activity) : connection.last_activity;
    }
  }
  if (!oldest) {
    return -1;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      *oldest + idleTimeout() - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()) + 1);
}

void TcpServer::acceptAll() {
  for (;;) {
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    const int fd = ::accept4(listen_fd_, peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: use the spare one to take the connection off the queue and close
        // it, so the listener does not stay readable forever.
        log::debug("tcp", "out of file descriptors, closing a new connection");
        ::close(reserve_fd_);
        const int dropped = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (dropped >= 0) {
          ::close(dropped);
        }
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
        log::debug("tcp", std::string("accept: ") + std::strerror(errno));
      }
      return;
    }
    std::string client = peer.ip();
    const auto from_client = static_cast<std::size_t>(std::count_if(
        connections_.begin(), connections_.end(),
        [&](const Connection& connection) { return connection.client == client; }));
    if (from_client >= options_.max_per_client) {
      evictIdlest(client);
    } else if (connections_.size() >= options_.max_connections) {
      evictIdlest("");
    }
    const int on = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    Connection connection;
    connection.fd = fd;
    connection.last_activity = Clock::now();
    connection.client = std::move(client);
    connection.peer = peer;
    connection.id = next_id_++;
    connections_.push_back(std::move(connection));
  }
}

void TcpServer::readFrom(Connection& connection) {
  std::uint8_t buffer[kReadChunk];
  while (connection.input.size() < kMaxInput) {
    const std::size_t room = std::min(sizeof buffer, kMaxInput - connection.input.size());
    const ssize_t got = ::recv(connection.fd, buffer, room, 0);
    if (got == 0) {
      connection.peer_closed = true;  // answer what is complete, then close (RFC 7766 §6.2.4)
      return;
    }
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        connection.broken = true;
      }
      return;
    }
    connection.input.insert(connection.input.end(), buffer, buffer + got);
    if (static_cast<std::size_t>(got) < room) {
      return;
    }
  }
}

void TcpServer::answerFrames(Connection& connection, const MessageHandler& handler) {
  std::size_t offset = 0;
  for (int frames = 0; frames < kMaxFramesPerWakeup && !connection.broken &&
                       !connection.awaiting && !outputFull(connection);
       ++frames) {
    const std::size_t available = connection.input.size() - offset;
    if (available < 2) {
      break;
    }
    const std::size_t length =
        (static_cast<std::size_t>(connection.input[offset]) << 8) | connection.input[offset + 1];
    if (length < kMinMessage) {
      log::debug("tcp", "bad frame of " + std::to_string(length) + " bytes, closing");
      connection.broken = true;
      break;
    }
    if (available - 2 < length) {
      break;
    }
    const auto message =
        std::span<const std::uint8_t>(connection.input).subspan(offset + 2, length);
    offset += 2 + length;
    connection.last_activity = Clock::now();
    Reply reply(*this, &connection);
    handler(message, reply);
  }
  connection.input.erase(connection.input.begin(),
                         connection.input.begin() + static_cast<std::ptrdiff_t>(offset));
}

void TcpServer::writeTo(Connection& connection) {
  while (connection.output_sent < connection.output.size()) {
    const ssize_t sent = ::send(connection.fd, connection.output.data() + connection.output_sent,
                                connection.output.size() - connection.output_sent, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        connection.broken = true;
      }
      return;
    }
    connection.output_sent += static_cast<std::size_t>(sent);
    connection.last_activity = Clock::now();
  }
  connection.output.clear();
  connection.output_sent = 0;
}

std::chrono::milliseconds TcpServer::idleTimeout() const {
  if (connections_.size() * 2 <= options_.max_connections) {
    return options_.idle_timeout;
  }
  return std::min(options_.idle_timeout, std::max(kMinPressureIdle, options_.idle_timeout / 10));
}

void TcpServer::evictIdlest(const std::string& client) {
  auto idlest = connections_.end();
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if ((client.empty() || it->client == client) &&
        (idlest == connections_.end() || it->last_activity < idlest->last_activity)) {
      idlest = it;
    }
  }
  if (idlest == connections_.end()) {
    return;
  }
  log::debug("tcp", "connection cap reached for " + (client.empty() ? "all clients" : client) +
                        ", closing the connection idle longest");
  ::close(idlest->fd);
  connections_.erase(idlest);
}

void TcpServer::closeIdleAndDead() {
  const auto now = Clock::now();
  const auto idle_timeout = idleTimeout();
  std::erase_if(connections_, [&](const Connection& connection) {
    const bool idle = !connection.awaiting && now - connection.last_activity >= idle_timeout;
    // After EOF, stay until every complete query is answered and the answers are sent.
    const bool finished = connection.peer_closed && !connection.awaiting &&
                          !hasAnswerableFrame(connection) &&
                          connection.output_sent == connection.output.size();
    if (connection.broken || idle || finished) {
      ::close(connection.fd);
      return true;
    }
    return false;
  });
}

}  // namespace fibdns::engine
