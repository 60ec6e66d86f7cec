#pragma once

// How a thread asks Linux for a share of the CPU: the AS's engine (query threads first, the
// writer after them) and the benchmarks' clients use the same calls.

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>

namespace fibdns {

/// Raises the calling thread's nice value by `steps` (Linux: per thread), so that it gets less
/// CPU than the other threads when the cores are busy. No privilege is needed to do this.
inline void lowerThisThreadPriority(int steps) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  const int current = ::getpriority(PRIO_PROCESS, tid);
  (void)::setpriority(PRIO_PROCESS, tid, current + steps);
}

/// Asks the scheduler for a short time slice for the calling thread (Linux 6.12 and later: the
/// EEVDF scheduler takes sched_setattr's sched_runtime as the slice of a fair-class thread, at
/// least 100 us; the default is a few ms). A thread with a shorter slice has an earlier
/// deadline, so when it wakes on a busy core it runs first and may preempt a thread with the
/// default slice: the query threads use it to answer before the writer and other programs'
/// threads finish their slices. No privilege is needed. The thread's policy (SCHED_OTHER or
/// SCHED_BATCH) and nice value are kept. True when the scheduler reports the slice afterwards;
/// older kernels refuse or ignore it (false), which leaves the default. Threads created
/// afterwards by this one inherit the slice, also across exec.
inline bool requestShortTimeSlice(std::chrono::microseconds slice) {
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
  static_assert(sizeof(SchedAttr) == 48, "SCHED_ATTR_SIZE_VER0");
  constexpr std::uint64_t kKeepPolicy = 0x08;  // SCHED_FLAG_KEEP_POLICY
  const auto requested = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
  SchedAttr attributes{};
  attributes.size = sizeof attributes;
  attributes.sched_flags = kKeepPolicy;
  attributes.sched_nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  attributes.sched_runtime = requested;
  if (::syscall(SYS_sched_setattr, 0, &attributes, 0) != 0) {
    return false;
  }
  SchedAttr now{};
  return ::syscall(SYS_sched_getattr, 0, &now, sizeof now, 0) == 0 &&
         now.sched_runtime == requested;
}

}  // namespace fibdns
