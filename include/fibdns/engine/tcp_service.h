#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "fibdns/authority/dns_responder.h"
#include "fibdns/engine/snapshot_publisher.h"
#include "fibdns/engine/tcp_server.h"

namespace fibdns::engine {

/// DNS over TCP on a thread of its own, so that connections (however many, however slow) never
/// share a loop with the UDP workers. One poll loop over every listening address; queries are
/// answered from the newest published snapshot.
class TcpService {
 public:
  /// `responder` and `publisher` must outlive the service.
  TcpService(std::vector<std::unique_ptr<TcpServer>> servers,
             const authority::DnsResponder& responder, const SnapshotPublisher& publisher);
  ~TcpService();  // stop()s
  TcpService(const TcpService&) = delete;
  TcpService& operator=(const TcpService&) = delete;

  void start();
  /// Stops the loop and joins it; open connections are closed when the service is destroyed.
  /// Idempotent.
  void stop();

 private:
  void run();

  std::vector<std::unique_ptr<TcpServer>> servers_;
  const authority::DnsResponder& responder_;
  const SnapshotPublisher& publisher_;
  int wake_fd_;  // an eventfd: stop() writes to it
  std::thread thread_;
};

}  // namespace fibdns::engine
