#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "fibdns/authority/record_cache.h"
#include "fibdns/authority/record_repository.h"
#include "fibdns/common/result.h"
#include "fibdns/engine/snapshot_publisher.h"
#include "fibdns/metrics/authoritative_server_metrics.h"

namespace fibdns::engine {

using SteadyClock = std::chrono::steady_clock;

/// One write: changes committed all together (or, with a failed precondition, none), a
/// deadline, and who to tell.
struct WriteRequest {
  std::vector<authority::RecordChange> changes;
  /// When the store stays locked by another process until then, the request fails with
  /// DeadlineExceeded instead of waiting longer.
  SteadyClock::time_point deadline;
  /// Called exactly once, on the writer thread: Ok (with the serial after the commit) only once
  /// the changes are durable AND visible to queries; otherwise the reason. Must not block.
  std::function<void(const Status& outcome, std::uint32_t serial)> done;
  /// Optional. Works out the request's changes on the writer thread, right before the commit,
  /// from the zone data as it stands after every request taken before this one (RFC 2136:
  /// prerequisites and updates are evaluated atomically with the commit). It replaces `changes`
  /// (given to it empty). A failure completes the request with that Status, and nothing of it
  /// is committed.
  std::function<Status(const authority::RecordCache& zone,
                       std::vector<authority::RecordChange>& changes)>
      plan;
  /// True: the request is a step of the zone's history of its own (one UPDATE message: the
  /// serial rises for it alone). False: it shares the step of the requests committed with it
  /// (lab registrations: one serial per group commit).
  bool own_serial = false;
};

/// The only thread that writes: it owns the store connection, commits every request queued
/// since its last commit in ONE transaction (group commit across all serving threads), then
/// publishes the new zone data to the readers, and only then calls each request's `done`.
///
/// Back-pressure instead of waiting: the queue is bounded and submit() fails at once when it is
/// full. When the store answers DeadlineExceeded (another process holds the database lock), the
/// writer keeps the requests and retries until each one's deadline; queries never wait for it.
/// When idle for `checkpoint_after_idle` after a commit, it checkpoints the store's WAL so that
/// disk space comes back. stop() drains: everything queued is committed (or failed) and
/// answered before it returns.
class Writer {
 public:
  struct Options {
    std::size_t queue_capacity = 4096;
    std::chrono::milliseconds checkpoint_after_idle{1000};
    /// Pause between attempts while the store is locked by another process.
    std::chrono::milliseconds busy_retry{20};
  };
  using Clock = std::function<SteadyClock::time_point()>;

  /// `repository` and `publisher` must outlive the writer. `zone` is the data already published
  /// (the writer's own copy, changed only by it; share() is taken to publish).
  Writer(authority::RecordRepository& repository, authority::RecordCache zone,
         SnapshotPublisher& publisher, Options options, Clock clock = SteadyClock::now);
  ~Writer();  // stop()s
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Called on the writer thread after each commit that changed the records, once published
  /// (e.g. to send NOTIFY). Set before start(). Must not block.
  void onCommit(std::function<void(std::uint32_t serial)> listener) {
    on_commit_ = std::move(listener);
  }

  /// Where commit latencies go (may stay null). Set before start().
  void setMetrics(metrics::AuthoritativeServerMetrics* metrics) { metrics_ = metrics; }

  void start();
  /// Queues a request from any thread. False when the queue is full or the writer is stopping:
  /// the request is not taken (its `done` is never called) and the caller answers "busy".
  bool submit(WriteRequest&& request);
  /// Stops taking requests, finishes everything queued (committed, or failed by its deadline or
  /// by the store), calls every `done`, and joins the thread. Idempotent.
  void stop();

 private:
  void run();
  void commitPending();
  void failAll(const Status& status);

  authority::RecordRepository& repository_;
  authority::RecordCache zone_;
  SnapshotPublisher& publisher_;
  Options options_;
  Clock clock_;
  std::function<void(std::uint32_t serial)> on_commit_;
  metrics::AuthoritativeServerMetrics* metrics_ = nullptr;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteRequest> queue_;  // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_

  // Writer thread only.
  std::vector<WriteRequest> pending_;
  std::vector<authority::ChangeSet> sets_;
  std::vector<std::size_t> set_of_request_;  // index into sets_ for each of pending_
  bool wal_dirty_ = false;
  bool busy_ = false;  // the last attempt met a locked store
  std::thread thread_;
};

}  // namespace fibdns::engine
