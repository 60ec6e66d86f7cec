#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fibdns/authority/datagram_handler.h"
#include "fibdns/authority/dns_request_handler.h"
#include "fibdns/engine/refusal_log.h"
#include "fibdns/metrics/authoritative_server_metrics.h"
#include "fibdns/security/response_rate_limiter.h"
#include "fibdns/common/result.h"
#include "fibdns/engine/snapshot_publisher.h"
#include "fibdns/engine/socket_address.h"
#include "fibdns/engine/writer.h"

namespace fibdns::engine {

/// One UDP serving thread with a socket of its own: several workers bind the same address and
/// port (SO_REUSEPORT) and the kernel spreads the datagrams among them, so every core answers.
///
/// The loop wakes once per batch: a blocking recvmmsg (MSG_WAITFORONE: returns as soon as one
/// datagram is there, with whatever else is waiting, up to kMaxBatch), then one sendmmsg for the
/// replies. Queries and DNS are answered from the newest published snapshot, with no lock;
/// lab registrations go to the Writer, which answers them from its own thread once they are
/// durable (through this worker's socket, which stays open until the worker is destroyed).
class UdpWorker {
 public:
  static constexpr std::size_t kMaxDatagram = 4096;  // larger datagrams are seen as truncated
  static constexpr std::size_t kMaxBatch = 64;       // datagrams read per wake-up (recvmmsg)

  struct Context {
    const authority::DnsRequestHandler& dns;
    SnapshotPublisher& publisher;
    Writer& writer;
    std::chrono::milliseconds write_timeout;  // a registration's deadline
    /// Who may register over the lab protocol (empty: everyone).
    authority::DatagramHandler::RegistrationAllowed may_register;
    /// Names the store may hold; a registration of a new name beyond fails.
    std::size_t max_records = 1'000'000;
    /// Response rate limiting for this worker (its share of the configured rate).
    security::RrlConfig rrl;
    RefusalLog& refusals;
    metrics::AuthoritativeServerMetrics* metrics = nullptr;  // may be null
  };

  /// Binds a UDP socket (SO_REUSEPORT; IPv6 sockets are IPv6-only, so that 0.0.0.0 and :: can
  /// both be bound). Unavailable with the errno text when the socket cannot be bound.
  static Result<std::unique_ptr<UdpWorker>> bind(const SocketAddress& address, Context context);

  ~UdpWorker();  // stop()s, then closes the socket
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  /// The bound port (useful after binding port 0).
  std::uint16_t port() const;
  const SocketAddress& address() const { return address_; }

  void start();
  /// Stops reading and joins the thread. The socket stays open: the writer may still send
  /// acknowledgements through it until the worker is destroyed. Idempotent.
  void stop();

 private:
  UdpWorker(int fd, SocketAddress address, Context context);
  void run();
  void sendReplies(std::size_t count);
  void countReplies(std::size_t count);  // metrics: the replies of a batch, by kind
  // Queues a lab registration with the writer; false when the queue is full.
  bool submitRegistration(dns::ARecord record, const SocketAddress& peer);
  // Queues an UPDATE with the writer; false when the queue is full.
  bool submitUpdate(std::shared_ptr<authority::PendingUpdate> update, const SocketAddress& peer);

  int fd_;
  SocketAddress address_;
  Context context_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Everything a batch needs is allocated once and reused by the serving thread.
  std::vector<std::uint8_t> buffers_;
  std::vector<sockaddr_storage> peers_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<std::string> replies_;
  std::vector<mmsghdr> outgoing_;
  std::vector<iovec> out_iovecs_;
};

}  // namespace fibdns::engine
