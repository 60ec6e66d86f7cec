#pragma once

#include <cstdint>

namespace fibdns::dns {

/// ASCII-only lower-casing: DNS compares names case-insensitively for A-Z only (RFC 4343).
constexpr std::uint8_t toLowerAscii(std::uint8_t c) {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c - 'A' + 'a') : c;
}

}  // namespace fibdns::dns
