#include "fibdns/transfer/notify_scheduler.h"

#include <algorithm>

namespace fibdns::transfer {

NotifyScheduler::NotifyScheduler(std::size_t secondaries, std::size_t zones, NotifyPolicy policy)
    : secondaries_(secondaries), zones_(zones), policy_(policy), entries_(secondaries * zones) {
  policy_.max_attempts = std::max<std::size_t>(policy_.max_attempts, 1);
  policy_.backoff_factor = std::max(policy_.backoff_factor, 1U);
}

NotifyScheduler::Entry* NotifyScheduler::find(NotifyTarget target) {
  if (target.secondary >= secondaries_ || target.zone >= zones_) {
    return nullptr;
  }
  return &entries_[target.secondary * zones_ + target.zone];
}

std::chrono::milliseconds NotifyScheduler::timeoutFor(std::size_t attempt) const {
  std::chrono::milliseconds timeout = policy_.first_timeout;
  for (std::size_t i = 1; i < attempt && timeout < policy_.max_timeout; ++i) {
    timeout *= policy_.backoff_factor;
  }
  return std::min(timeout, policy_.max_timeout);
}

void NotifyScheduler::zoneChanged(std::size_t zone, std::uint32_t serial, Clock::time_point now) {
  if (zone >= zones_) {
    return;
  }
  for (std::size_t secondary = 0; secondary < secondaries_; ++secondary) {
    Entry& entry = entries_[secondary * zones_ + zone];
    entry.latest_serial = serial;
    entry.status.gave_up = false;
    if (entry.status.in_flight) {
      continue;  // sent when the in-flight one is answered (or by its retry)
    }
    if (!entry.status.waiting_to_send) {
      entry.status.waiting_to_send = true;
      entry.status.attempts = 0;
      entry.send_at = now;
    }
  }
}

std::vector<NotifySend> NotifyScheduler::due(Clock::time_point now) {
  std::vector<NotifySend> sends;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    Entry& entry = entries_[i];
    Status& status = entry.status;
    const NotifyTarget target{i / zones_, i % zones_};
    if (status.in_flight) {
      if (now < entry.deadline) {
        continue;
      }
      if (status.attempts >= policy_.max_attempts) {
        // RFC 1996 §4.4 bounds the retransmissions; the next change starts a new round.
        status.in_flight = false;
        status.gave_up = true;
        status.attempts = 0;
        continue;
      }
      ++status.attempts;
      status.in_flight_serial = *entry.latest_serial;  // a retry carries the newest serial
      entry.deadline = now + timeoutFor(status.attempts);
      sends.push_back({target, status.in_flight_serial, status.attempts});
      continue;
    }
    if (status.waiting_to_send && now >= entry.send_at) {
      status.waiting_to_send = false;
      status.in_flight = true;
      status.attempts = 1;
      status.in_flight_serial = *entry.latest_serial;
      entry.deadline = now + timeoutFor(1);
      sends.push_back({target, status.in_flight_serial, 1});
    }
  }
  return sends;
}

void NotifyScheduler::acknowledged(NotifyTarget target, std::uint32_t serial,
                                   Clock::time_point now) {
  Entry* entry = find(target);
  if (entry == nullptr || !entry->status.in_flight || entry->status.in_flight_serial != serial) {
    return;
  }
  Status& status = entry->status;
  status.in_flight = false;
  status.attempts = 0;
  status.acknowledged_serial = serial;
  if (entry->latest_serial != serial) {
    // The zone moved while this NOTIFY was in flight: tell the secondary at once.
    status.waiting_to_send = true;
    entry->send_at = now;
  }
}

void NotifyScheduler::refused(NotifyTarget target, std::uint32_t serial) {
  Entry* entry = find(target);
  if (entry == nullptr || !entry->status.in_flight || entry->status.in_flight_serial != serial) {
    return;
  }
  entry->status.in_flight = false;
  entry->status.attempts = 0;
  entry->status.gave_up = true;
}

std::optional<NotifyScheduler::Clock::time_point> NotifyScheduler::nextWakeUp() const {
  std::optional<Clock::time_point> earliest;
  for (const Entry& entry : entries_) {
    std::optional<Clock::time_point> when;
    if (entry.status.in_flight) {
      when = entry.deadline;
    } else if (entry.status.waiting_to_send) {
      when = entry.send_at;
    }
    if (when && (!earliest || *when < *earliest)) {
      earliest = when;
    }
  }
  return earliest;
}

NotifyScheduler::Status NotifyScheduler::status(NotifyTarget target) const {
  if (target.secondary >= secondaries_ || target.zone >= zones_) {
    return {};
  }
  return entries_[target.secondary * zones_ + target.zone].status;
}

}  // namespace fibdns::transfer
