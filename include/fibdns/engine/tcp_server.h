#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/engine/socket_address.h"

namespace fibdns::engine {

/// DNS over TCP (RFC 7766): 2-byte length framing, several queries per connection, pipelined
/// queries answered in order, an idle timeout and a cap on connections. Single-threaded and
/// non-blocking: the owner's poll loop asks for the descriptors to watch and hands back the
/// ones that are ready. Owns every socket it opens.
///
/// Fairness, as NSD and Knot do it: one source address holds at most max_per_client
/// connections; a newcomer beyond that (or beyond max_connections in all) closes the connection
/// that has been idle longest (of that client, or of all) rather than being turned away, so a
/// client that sends a query is answered even while another hoards idle connections. Above half
/// of max_connections the idle timeout shrinks to a tenth (at least kMinPressureIdle).
class TcpServer {
 public:
  struct Options {
    std::size_t max_connections = 256;
    std::size_t max_per_client = 16;
    /// A connection with no complete query for this long is closed (RFC 7766 §6.2.3: seconds).
    std::chrono::milliseconds idle_timeout{10'000};
    /// Output waiting for a slow reader beyond this stops reading from that connection.
    std::size_t max_pending_output = 256 * 1024;
  };

  /// Where a handler puts its answer to one message. Valid during the handler's call only.
  class Reply {
   public:
    /// Appends one message (without its length prefix) to the connection's output; a handler
    /// may send any number (a zone transfer sends many), or none ("no reply").
    void send(std::span<const std::uint8_t> message);
    /// Promises the answer for later (e.g. after a commit on another thread): returns the id to
    /// give to deliver(). Until then the connection answers no further frame, so replies keep
    /// the order of the queries, and it is not closed as idle.
    std::uint64_t defer();
    /// The client's address.
    const SocketAddress& peer() const;

   private:
    friend class TcpServer;
    Reply(TcpServer& server, void* connection) : server_(server), connection_(connection) {}
    TcpServer& server_;
    void* connection_;
  };

  /// Answers one message (without its length prefix) through `reply`. Called on the owner's
  /// thread.
  using MessageHandler = std::function<void(std::span<const std::uint8_t> message, Reply& reply)>;

  static constexpr std::chrono::milliseconds kMinPressureIdle{200};

  /// Listens on an IPv4 or IPv6 address (IPv6 sockets are IPv6-only). Unavailable with the
  /// errno text when bind/listen fails.
  static Result<std::unique_ptr<TcpServer>> listen(const SocketAddress& address, Options options);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  std::uint16_t port() const;
  std::size_t connectionCount() const { return connections_.size(); }

  /// Appends the descriptors to poll (the listener and every connection) to `fds`.
  void appendPollFds(std::vector<pollfd>& fds) const;
  /// Handles the ready descriptors among `fds` (those appended by appendPollFds), then closes
  /// connections that have been idle too long.
  void handle(std::span<const pollfd> fds, const MessageHandler& handler);
  /// Sends a deferred answer (Reply::defer) and lets the connection go on with its next frames.
  /// False when the connection has closed meanwhile (the answer is dropped). Owner's thread.
  bool deliver(std::uint64_t id, std::span<const std::vector<std::uint8_t>> messages);
  /// Milliseconds until the next idle deadline (for the poll timeout), -1 when none, 0 when a
  /// connection still holds complete queries it had no room to answer yet.
  int nextTimeoutMs() const;

 private:
  struct Connection {
    int fd = -1;
    std::uint64_t id = 0;    // unique for the server's lifetime: deliver()'s key
    bool awaiting = false;   // a deferred answer is due before the next frame is answered
    SocketAddress peer;
    std::vector<std::uint8_t> input;  // at most kMaxInput bytes: one largest frame and a bit
    std::vector<std::uint8_t> output;
    std::size_t output_sent = 0;
    std::chrono::steady_clock::time_point last_activity;
    std::string client;  // the peer's IP (v4-mapped shown as IPv4): the per-client cap's key
    bool peer_closed = false;  // EOF seen: answer what is complete, flush, then close
    bool broken = false;       // a bad frame or a socket error: close now
  };

  TcpServer(int listen_fd, int reserve_fd, Options options);
  void acceptAll();
  void readFrom(Connection& connection);
  void answerFrames(Connection& connection, const MessageHandler& handler);
  void writeTo(Connection& connection);
  bool hasAnswerableFrame(const Connection& connection) const;
  bool outputFull(const Connection& connection) const;
  void closeIdleAndDead();
  std::chrono::milliseconds idleTimeout() const;
  // Closes the connection idle longest among those of `client` ("" = among all) to make room.
  void evictIdlest(const std::string& client);

  int listen_fd_;
  // A spare descriptor, given up to accept-and-close a connection when the process runs out of
  // descriptors (EMFILE); otherwise the listener would stay readable and the loop would spin.
  int reserve_fd_;
  void appendFramed(Connection& connection, std::span<const std::uint8_t> message);

  Options options_;
  std::vector<Connection> connections_;
  std::uint64_t next_id_ = 1;
};

}  // namespace fibdns::engine
