#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

#include "fibdns/security/tsig.h"

// The only file that talks to OpenSSL's MAC API: HMAC for TSIG and SipHash-2-4 for cookies.
// No hand-written crypto (issue 9): these wrap EVP_MAC.
namespace fibdns::security::detail {

inline constexpr std::size_t kMaxMacLength = 64;  // HMAC-SHA512

/// An incremental keyed MAC. Not thread-safe (one object per computation); cheap to create.
class Mac {
 public:
  /// HMAC with the algorithm's hash over `key`. ok() is false when OpenSSL refuses (which only
  /// a broken installation does).
  static Mac hmac(TsigAlgorithm algorithm, std::span<const std::uint8_t> key);
  /// SipHash-2-4 with a 128-bit key and a 64-bit output (RFC 9018 §4.4).
  static Mac siphash24(std::span<const std::uint8_t, 16> key);

  Mac(Mac&&) noexcept;
  Mac& operator=(Mac&&) noexcept;
  ~Mac();

  bool ok() const { return ok_; }
  void update(std::span<const std::uint8_t> bytes);
  /// Writes the MAC into out (room for kMaxMacLength) and returns its length; 0 on failure.
  std::size_t finish(std::span<std::uint8_t, kMaxMacLength> out);

 private:
  // A Mac holding a fresh context of that OpenSSL MAC (context_ null or its ctx null on failure).
  static Mac withContext(const char* mac_name);
  struct Context;
  Mac() = default;
  std::unique_ptr<Context> context_;
  bool ok_ = false;
};

/// SipHash-2-4 (64-bit output) of the concatenated `pieces` under a 128-bit key, written to
/// `out`; false if OpenSSL fails. Reuses one OpenSSL context per thread, so the per-query cookie
/// path allocates nothing. Thread-safe.
bool siphash24(std::span<const std::uint8_t, 16> key,
               std::initializer_list<std::span<const std::uint8_t>> pieces,
               std::span<std::uint8_t, 8> out);

/// Constant-time equality of two byte strings of the same length (CRYPTO_memcmp); false when
/// the lengths differ (the lengths are not secret).
bool constantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace fibdns::security::detail
