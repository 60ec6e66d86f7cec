#include "fibdns/engine/snapshot_publisher.h"

#include <utility>

namespace fibdns::engine {

SnapshotPublisher::SnapshotPublisher(std::shared_ptr<const authority::RecordCache> initial)
    : current_(std::move(initial)) {}

void SnapshotPublisher::publish(std::shared_ptr<const authority::RecordCache> next) {
  std::shared_ptr<const authority::RecordCache> previous;
  {
    const std::lock_guard lock(mutex_);
    previous = std::exchange(current_, std::move(next));
    version_.fetch_add(1, std::memory_order_release);
  }
  // Readers take references only from current_, so a retired snapshot whose only reference is
  // ours can gain no new one: dropping it here frees it on this (the writer's) thread.
  std::erase_if(retired_, [](const auto& snapshot) { return snapshot.use_count() == 1; });
  if (previous != nullptr) {
    retired_.push_back(std::move(previous));
  }
}

std::shared_ptr<const authority::RecordCache> SnapshotPublisher::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

SnapshotPublisher::Reader::Reader(const SnapshotPublisher& publisher) : publisher_(publisher) {}

const authority::RecordCache& SnapshotPublisher::Reader::get() {
  const std::uint64_t version = publisher_.version_.load(std::memory_order_acquire);
  if (version != version_ || snapshot_ == nullptr) {
    std::shared_ptr<const authority::RecordCache> newest;
    {
      const std::lock_guard lock(publisher_.mutex_);
      newest = publisher_.current_;
      version_ = publisher_.version_.load(std::memory_order_relaxed);
    }
    snapshot_ = std::move(newest);  // the old snapshot is released outside the lock
  }
  return *snapshot_;
}

}  // namespace fibdns::engine
