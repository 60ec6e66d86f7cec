#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fibdns/authority/dns_responder.h"
#include "fibdns/common/result.h"
#include "fibdns/engine/socket_address.h"

namespace fibdns::engine {

/// Tells the secondaries (--notify) that the zones changed: NOTIFY (RFC 1996) right after each
/// commit, on a thread of its own with its own UDP sockets, so a secondary that is slow or down
/// never delays registrations or queries. At most one NOTIFY in flight per secondary and zone;
/// when the serial moved meanwhile the newest is sent once the previous is answered; retried
/// with backoff, 5 attempts (transfer::NotifyScheduler).
class Notifier {
 public:
  /// `secondaries`: where to send; `zones`: the configuration whose apexes are notified.
  static Result<std::unique_ptr<Notifier>> create(std::vector<SocketAddress> secondaries,
                                                  const authority::ZoneConfig& zones);
  ~Notifier();  // stop()s
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();
  /// Every zone now has this serial (the AS's one counter). Any thread; never blocks.
  void changed(std::uint32_t serial);

 private:
  Notifier(std::vector<SocketAddress> secondaries, const authority::ZoneConfig& zones, int v4,
           int v6, int wake);
  void run();

  std::vector<SocketAddress> secondaries_;
  authority::ZoneConfig zones_;
  int v4_fd_;
  int v6_fd_;
  int wake_fd_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::optional<std::uint32_t> pending_serial_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace fibdns::engine
