#pragma once

// Private to fibdns_engine: waking a thread that polls an eventfd; naming threads.

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

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

/// Raises the calling thread's nice value by `steps` (Linux: per thread), so that it gets less
/// CPU than the other threads when the cores are busy. No privilege is needed to do this.
inline void lowerThisThreadPriority(int steps) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  const int current = ::getpriority(PRIO_PROCESS, tid);
  (void)::setpriority(PRIO_PROCESS, tid, current + steps);
}

}  // namespace fibdns::engine::detail
