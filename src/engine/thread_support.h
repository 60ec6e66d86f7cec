#pragma once

// Private to fibdns_engine: waking a thread that polls an eventfd; naming threads. (Their
// scheduling is in fibdns/common/thread_scheduling.h, which the benchmarks use too.)

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>

#include "fibdns/common/thread_scheduling.h"

namespace fibdns::engine::detail {

/// Makes `fd` (an eventfd) readable. Writing 1 cannot fail short of a counter overflow, which
/// the reader's draining read prevents.
inline void signalEventFd(int fd) {
  const std::uint64_t one = 1;
  const ssize_t written = ::write(fd, &one, sizeof one);
  (void)written;
}

/// Resets `fd` (a non-blocking eventfd) after a wake-up.
inline void drainEventFd(int fd) {
  std::uint64_t count = 0;
  const ssize_t got = ::read(fd, &count, sizeof count);
  (void)got;  // nothing to read is fine
}

/// Names the calling thread (at most 15 characters), so that top -H, perf and /proc show which
/// part of the engine spends the time.
inline void nameThisThread(const char* name) { (void)::pthread_setname_np(::pthread_self(), name); }

/// The slice of the threads that answer queries (UDP workers, TCP): the shortest Linux allows.
inline constexpr std::chrono::microseconds kQueryThreadSlice{100};

}  // namespace fibdns::engine::detail
