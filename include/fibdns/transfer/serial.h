#pragma once

#include <cstdint>

/// RFC 1982 serial number arithmetic for SOA serials (SERIAL_BITS = 32). Pure.
namespace fibdns::transfer {

/// The largest increment RFC 1982 §3.1 allows in one addition: 2^31 - 1.
inline constexpr std::uint32_t kMaxSerialIncrement = 0x7FFFFFFFU;

/// How serial `a` relates to serial `b` (RFC 1982 §3.2).
enum class SerialOrder {
  Less,
  Equal,
  Greater,
  /// Exactly 2^31 apart: RFC 1982 leaves the comparison undefined. Callers treat it as "not
  /// newer" in both directions (an IXFR client at such a serial gets the whole zone).
  Undefined,
};

/// Compares two serials with wrap-around: 1 is Greater than 4294967295, and 4294967295 is Less
/// than 1. Total for every pair except those exactly 2^31 apart (Undefined).
SerialOrder compareSerials(std::uint32_t a, std::uint32_t b);

/// True when `a` is strictly older than `b` (compareSerials(a, b) == Less).
inline bool serialOlder(std::uint32_t a, std::uint32_t b) {
  return compareSerials(a, b) == SerialOrder::Less;
}

/// `serial + increment` modulo 2^32 (RFC 1982 §3.1). An increment above kMaxSerialIncrement is
/// undefined by the RFC and is InvalidArgument-like: this returns `serial` unchanged, so the
/// caller's serial never jumps to a value that compares as older.
std::uint32_t addToSerial(std::uint32_t serial, std::uint32_t increment);

/// The serial after `serial` as the AS counts: +1, but 4294967295 is followed by 1, not 0, as
/// migrations/0002_create_zone_serial.sql keeps the stored serial in 1..4294967295 (0 is what
/// several tools print for "no serial"). 1 still compares Greater than 4294967295.
std::uint32_t nextSerial(std::uint32_t serial);

}  // namespace fibdns::transfer
