#include "fibdns/engine/writer.h"

#include <algorithm>
#include <utility>

#include "engine/thread_support.h"
#include "fibdns/common/logging.h"

namespace fibdns::engine {

Writer::Writer(authority::RecordRepository& repository, authority::RecordCache zone,
               SnapshotPublisher& publisher, Options options, Clock clock)
    : repository_(repository),
      zone_(std::move(zone)),
      publisher_(publisher),
      options_(options),
      clock_(std::move(clock)) {}

Writer::~Writer() { stop(); }

void Writer::start() { thread_ = std::thread([this] {
    detail::nameThisThread("fibdns-writer");
    // Queries first: when the cores are busy, the writer (whose clients wait for an fsync
    // anyway) yields to the serving threads rather than delaying answers.
    lowerThisThreadPriority(5);
    run();
  }); }

bool Writer::submit(WriteRequest&& request) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      return false;
    }
    queue_.push_back(std::move(request));
  }
  wake_.notify_one();
  return true;
}

void Writer::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Writer::run() {
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      if (pending_.empty()) {
        const bool woken = wake_.wait_for(lock, options_.checkpoint_after_idle,
                                          [&] { return !queue_.empty() || stopping_; });
        if (!woken) {
          lock.unlock();
          if (wal_dirty_) {
            // Idle: give the WAL's disk space back. A failure (another process reading) is
            // retried at the next idle period.
            const Status checkpointed = repository_.checkpoint();
            wal_dirty_ = !checkpointed.isOk();
            if (!checkpointed.isOk()) {
              log::debug("writer", "checkpoint: " + checkpointed.message());
            }
          }
          continue;
        }
      } else if (busy_) {
        // The store is locked by another process: pause before trying again, taking in what
        // arrives meanwhile (so it joins the next attempt).
        wake_.wait_for(lock, options_.busy_retry, [&] { return false; });
      }
      while (!queue_.empty()) {
        pending_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stopping = stopping_;
    }
    if (pending_.empty()) {
      if (stopping) {
        return;
      }
      continue;
    }
    commitPending();
    if (stopping && pending_.empty()) {
      // Drained; one last look for requests that raced with stop() (submit refuses afterwards).
      const std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        return;
      }
    }
  }
}

void Writer::commitPending() {
  // Requests past their deadline fail now: the store has been locked for too long.
  const SteadyClock::time_point now = clock_();
  auto expired = std::stable_partition(pending_.begin(), pending_.end(),
                                       [&](const WriteRequest& r) { return r.deadline > now; });
  for (auto it = expired; it != pending_.end(); ++it) {
    it->done(deadlineExceeded("database busy"), 0);
  }
  pending_.erase(expired, pending_.end());
  if (pending_.empty()) {
    return;
  }

  // Apply the requests in order to a copy (sharing all its data until it changes), planning each
  // one against what the requests before it made. Sets follow the requests'
  // order, so the store applies them exactly as the copy did.
  authority::RecordCache candidate = zone_.share();
  sets_.clear();
  set_of_request_.clear();
  bool shared_set_open = false;
  std::size_t change_count = 0;
  std::erase_if(pending_, [&](WriteRequest& request) {
    if (request.plan) {
      request.changes.clear();
      const Status planned = request.plan(candidate, request.changes);
      if (!planned.isOk()) {
        request.done(planned, candidate.serial());
        return true;
      }
    }
    if (request.own_serial || !shared_set_open) {
      sets_.emplace_back();
      shared_set_open = !request.own_serial;
    }
    authority::ChangeSet& set = sets_.back();
    for (const authority::RecordChange& change : request.changes) {
      // What the name held before, for the IXFR journal's "removed" half.
      const dns::ARecord* before = candidate.find(change.record.name);
      set.previous.push_back(before != nullptr ? std::optional<dns::ARecord>(*before)
                                               : std::nullopt);
      if (change.kind == authority::RecordChange::Kind::Upsert) {
        candidate.put(change.record);
      } else {
        (void)candidate.erase(change.record.name);
      }
    }
    set.changes.insert(set.changes.end(), request.changes.begin(), request.changes.end());
    change_count += request.changes.size();
    set_of_request_.push_back(sets_.size() - 1);
    return false;
  });
  if (pending_.empty()) {
    return;
  }

  const auto started = SteadyClock::now();
  Result<authority::CommitResult> committed = repository_.apply(sets_);
  if (metrics_ != nullptr && committed) {
    metrics_->commitDuration().Observe(
        std::chrono::duration<double>(SteadyClock::now() - started).count());
  }
  if (!committed) {
    if (committed.status().code() == StatusCode::DeadlineExceeded) {
      if (!busy_) {
        log::warn("writer", "database locked by another connection; registrations wait: " +
                                committed.status().message());
      }
      busy_ = true;  // keep the requests; try again after a pause
      return;
    }
    busy_ = false;
    log::warn("writer", "commit of " + std::to_string(change_count) +
                            " change(s) failed: " + committed.status().message());
    failAll(committed.status());
    return;
  }
  if (busy_) {
    log::info("writer", "database lock released; writing again");
  }
  busy_ = false;
  wal_dirty_ = true;

  // Durable: now make it visible, then acknowledge.
  zone_ = std::move(candidate);
  zone_.setSerial(committed->serial);
  publisher_.publish(std::make_shared<const authority::RecordCache>(zone_.share()));
  if (committed->changed && on_commit_) {
    on_commit_(committed->serial);
  }
  if (log::enabled(log::Level::Debug)) {
    log::debug("writer", "committed " + std::to_string(change_count) + " change(s), serial " +
                             std::to_string(committed->serial));
  }
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const std::size_t set = set_of_request_[i];
    pending_[i].done(Status::ok(), set < committed->serials.size() ? committed->serials[set]
                                                                   : committed->serial);
  }
  pending_.clear();
}

void Writer::failAll(const Status& status) {
  for (WriteRequest& request : pending_) {
    request.done(status, 0);
  }
  pending_.clear();
}

}  // namespace fibdns::engine
