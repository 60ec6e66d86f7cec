#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "fibdns/authority/record_cache.h"

namespace fibdns::engine {

/// Hands the zone data from the one writer to the many query threads, RCU-style: the writer
/// publishes an immutable snapshot (a RecordCache from share(), which no one changes again), and
/// each reader thread keeps its own reference to the snapshot it is answering from.
///
/// The hot path of a reader takes no lock: Reader::get() is one atomic load of a version number,
/// and only when the version moved (once per commit, not per query) does it take the mutex for
/// the few nanoseconds of a shared_ptr copy. The writer holds the mutex only for that pointer
/// swap, never while it does I/O. Old snapshots are freed by the writer, not by a query thread:
/// the publisher keeps a reference to each retired snapshot and drops it in a later publish()
/// once no reader holds it any more (freeing the nodes a commit replaced costs time that a
/// query must not wait for). That is also what makes it correct: the zone data's nodes are
/// reference-counted without atomics (PersistentHashSet's contract), so a snapshot must be freed
/// by the writer's thread, never by a reader's. Hence the publisher must outlive every Reader
/// and every copy taken from current(): then a reader never holds a snapshot's last reference.
class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(std::shared_ptr<const authority::RecordCache> initial);

  /// Makes `next` the snapshot readers see from their next get() on. From one thread (the
  /// writer), which also frees the retired snapshots no reader holds any more.
  void publish(std::shared_ptr<const authority::RecordCache> next);

  /// The newest snapshot (takes the mutex: for rare callers, not for the per-query path).
  std::shared_ptr<const authority::RecordCache> current() const;

  /// One per reading thread; not thread-safe itself.
  class Reader {
   public:
    explicit Reader(const SnapshotPublisher& publisher);
    /// The newest snapshot; the reference stays valid until the next get() on this Reader.
    const authority::RecordCache& get();

   private:
    const SnapshotPublisher& publisher_;
    std::uint64_t version_ = 0;
    std::shared_ptr<const authority::RecordCache> snapshot_;
  };

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const authority::RecordCache> current_;  // guarded by mutex_
  // Retired snapshots that readers may still hold (publisher's thread only).
  std::vector<std::shared_ptr<const authority::RecordCache>> retired_;
  std::atomic<std::uint64_t> version_{1};
};

}  // namespace fibdns::engine
