#pragma once

// Private to fibdns_engine: waking a thread that polls an eventfd; naming threads; their
// scheduling.

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
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

/// Asks the scheduler for a short time slice for the calling thread (Linux 6.12 and later: the
/// EEVDF scheduler takes sched_setattr's sched_runtime as the slice of a SCHED_OTHER thread, at
/// least 100 us; the default is a few ms). A thread with a shorter slice has an earlier
/// deadline, so when it wakes on a busy core it runs first and may preempt a thread with the
/// default slice: the query threads use it to answer before the writer and other programs'
/// threads finish their slices. No privilege is needed; older kernels ignore or refuse it,
/// which only leaves the default.
/// The slice of the threads that answer queries (UDP workers, TCP): the shortest Linux allows.
inline constexpr std::chrono::microseconds kQueryThreadSlice{100};

inline void requestShortTimeSlice(std::chrono::microseconds slice) {
  struct SchedAttr {  // struct sched_attr of <linux/sched/types.h>, which clashes with glibc's
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;  // ns
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
  };
  SchedAttr attributes{};
  attributes.size = sizeof attributes;
  attributes.sched_policy = SCHED_OTHER;
  attributes.sched_nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  attributes.sched_runtime = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
  (void)::syscall(SYS_sched_setattr, 0, &attributes, 0);
}

}  // namespace fibdns::engine::detail
