#pragma once

#include <cstdint>
#include <string>

/// Exact Fibonacci numbers. Pure: no I/O, thread-safe.
namespace fibdns::fib {

/// The largest n that fibonacci() accepts. F(10,000,000) has 2,089,877 digits and takes about
/// 0.35 s and a few MB; servers apply their own (much lower) configurable limit on top of this.
inline constexpr std::uint64_t kMaxComputableIndex = 10'000'000;

/// F(n) as bare decimal text: F(0) = "0", F(1) = "1", F(10) = "55".
/// Precondition: n <= kMaxComputableIndex (asserted; callers validate untrusted input first).
std::string fibonacci(std::uint64_t n);

}  // namespace fibdns::fib
