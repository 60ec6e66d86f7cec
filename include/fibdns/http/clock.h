#pragma once

#include <chrono>

namespace fibdns::http {

/// A monotonic time source: the seam that lets tests drive cache expiry.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

/// std::chrono::steady_clock. Thread-safe.
class SteadyClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace fibdns::http
