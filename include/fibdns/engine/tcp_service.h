#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "fibdns/authority/dns_request_handler.h"
#include "fibdns/authority/dns_responder.h"
#include "fibdns/engine/refusal_log.h"
#include "fibdns/engine/writer.h"
#include "fibdns/engine/snapshot_publisher.h"
#include "fibdns/engine/tcp_server.h"

namespace fibdns::engine {

/// DNS over TCP on a thread of its own, so that connections (however many, however slow) never
/// share a loop with the UDP workers. One poll loop over every listening address; each message
/// goes to the handler with the newest published snapshot.
class TcpService {
 public:
  /// Brings a deferred answer (TcpServer::Reply::defer's id) from any thread.
  using Deliver =
      std::function<void(std::uint64_t id, std::vector<std::vector<std::uint8_t>> messages)>;
  /// Answers one message from `zone`; may send several messages, none, or defer the answer
  /// and hand it to `deliver` later. Runs on the service's thread.
  using Handler =
      std::function<void(std::span<const std::uint8_t> message, const authority::RecordCache& zone,
                         TcpServer::Reply& reply, const Deliver& deliver)>;

  /// Queries only: DnsResponder::respond over TCP.
  static Handler respondWith(const authority::DnsResponder& responder);

  /// The AS's handler: queries (TSIG, cookies) through `dns`; UPDATEs planned and committed by
  /// `writer` and answered once durable. `dns`, `writer` and `refusals` must outlive it.
  static Handler answerWith(const authority::DnsRequestHandler& dns, Writer& writer,
                            std::chrono::milliseconds write_timeout, std::size_t max_records,
                            RefusalLog& refusals, authority::JournalReader journal,
                            metrics::AuthoritativeServerMetrics* metrics = nullptr);

  /// `publisher` must outlive the service.
  TcpService(std::vector<std::unique_ptr<TcpServer>> servers, Handler handler,
             const SnapshotPublisher& publisher);
  ~TcpService();  // stop()s
  TcpService(const TcpService&) = delete;
  TcpService& operator=(const TcpService&) = delete;

  void start();
  /// Hands a deferred answer (TcpServer::Reply::defer's id) to the service's thread, which sends
  /// it. Any thread; dropped when the connection has gone.
  void deliverLater(std::uint64_t id, std::vector<std::vector<std::uint8_t>> messages);
  /// Stops the loop and joins it; open connections are closed when the service is destroyed.
  /// Idempotent.
  void stop();

 private:
  void run();

  void deliverQueued();

  std::vector<std::unique_ptr<TcpServer>> servers_;
  Handler handler_;
  const SnapshotPublisher& publisher_;
  int wake_fd_;  // an eventfd: stop() and deliverLater() write to it
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::pair<std::uint64_t, std::vector<std::vector<std::uint8_t>>>> deliveries_;
  std::thread thread_;
};

}  // namespace fibdns::engine
