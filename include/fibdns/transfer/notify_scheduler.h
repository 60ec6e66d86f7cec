#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

/// When to send which NOTIFY (RFC 1996) to which secondary: a pure state machine. The caller owns
/// the sockets and the clock; every call takes the current time, so tests drive it with any
/// time they like (the "injectable clock").
namespace fibdns::transfer {

/// Retry policy. Defaults: 5 attempts, waiting 1 s, 2 s, 4 s, 8 s, 16 s for an answer
/// (about 31 s in all), as RFC 1996 §4.4 asks for a bounded, backed-off retransmission.
struct NotifyPolicy {
  std::size_t max_attempts = 5;
  std::chrono::milliseconds first_timeout{1000};
  unsigned backoff_factor = 2;
  std::chrono::milliseconds max_timeout{16000};
};

/// One (secondary, zone) pair, by the caller's indexes (its --notify list and its zone list).
struct NotifyTarget {
  std::size_t secondary = 0;
  std::size_t zone = 0;
  bool operator==(const NotifyTarget&) const = default;
};

/// "Send a NOTIFY for this zone's serial to this secondary now."
struct NotifySend {
  NotifyTarget target;
  std::uint32_t serial = 0;  // the SOA serial to put in the NOTIFY
  std::size_t attempt = 1;   // 1 for the first send of a round, up to max_attempts
};

/// Per (secondary, zone): at most one NOTIFY in flight. A change while one is in flight is not
/// sent at once: when the in-flight one is acknowledged and the serial moved meanwhile, the new
/// serial is sent immediately (a new round); when it times out, the retry carries the newest
/// serial. A round of max_attempts unanswered sends (or a refusal) gives up until the next
/// change. Nothing here blocks or sleeps; a secondary that is down costs one timer.
///
/// Not thread-safe: one thread (the NOTIFY sender) owns it; the writer hands it changes
/// through that thread's queue.
class NotifyScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  /// Targets are every (secondary, zone) with secondary < secondaries and zone < zones.
  NotifyScheduler(std::size_t secondaries, std::size_t zones, NotifyPolicy policy = {});

  /// `zone` is now at `serial` (after a commit): every secondary of it must hear about it.
  /// Out-of-range zones are ignored.
  void zoneChanged(std::size_t zone, std::uint32_t serial, Clock::time_point now);

  /// The NOTIFYs to send at `now`: new rounds whose time has come and retries whose answer did
  /// not come in time. Each returned send is in flight from `now`. Rounds that ran out of
  /// attempts are dropped here.
  std::vector<NotifySend> due(Clock::time_point now);

  /// The secondary acknowledged the NOTIFY for `serial` (NotifyReply::Acknowledged). Stale or
  /// unexpected acknowledgements (no NOTIFY in flight, another serial) change nothing.
  void acknowledged(NotifyTarget target, std::uint32_t serial, Clock::time_point now);

  /// The secondary answered the NOTIFY for `serial` with an error (NotifyReply::Refused):
  /// retrying will not help, so the round ends until the next change.
  void refused(NotifyTarget target, std::uint32_t serial);

  /// When due() next has something to do; nullopt when nothing is pending. The caller sleeps
  /// (polls its socket) until then at most.
  std::optional<Clock::time_point> nextWakeUp() const;

  /// A target's state, for logs and tests.
  struct Status {
    bool in_flight = false;
    std::uint32_t in_flight_serial = 0;
    std::size_t attempts = 0;      // sends in the current round
    bool waiting_to_send = false;  // a change not yet sent
    bool gave_up = false;          // the last round ended unanswered or refused
    std::optional<std::uint32_t> acknowledged_serial;
  };
  Status status(NotifyTarget target) const;

 private:
  struct Entry {
    std::optional<std::uint32_t> latest_serial;  // the zone's serial as last reported
    Status status;
    Clock::time_point send_at{};   // waiting_to_send: when
    Clock::time_point deadline{};  // in_flight: when the answer is overdue
  };
  Entry* find(NotifyTarget target);
  std::chrono::milliseconds timeoutFor(std::size_t attempt) const;

  std::size_t secondaries_;
  std::size_t zones_;
  NotifyPolicy policy_;
  std::vector<Entry> entries_;  // secondary * zones_ + zone
};

}  // namespace fibdns::transfer
