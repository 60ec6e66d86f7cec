#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fibdns::dns {

/// ASCII-only lower-casing: DNS compares names case-insensitively for A-Z only (RFC 4343).
constexpr std::uint8_t toLowerAscii(std::uint8_t c) {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c - 'A' + 'a') : c;
}

/// Longest echo of client text in a message, so that a hostile request cannot make a huge reply.
inline constexpr std::size_t kMaxEcho = 64;

/// Client text made safe for a one-line message: bytes outside printable ASCII become '?', and
/// anything past kMaxEcho bytes becomes "...".
inline std::string printableEcho(std::string_view text) {
  std::string out;
  const std::size_t n = text.size() < kMaxEcho ? text.size() : kMaxEcho;
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    out.push_back(c >= 0x20 && c <= 0x7E ? c : '?');
  }
  if (text.size() > kMaxEcho) {
    out += "...";
  }
  return out;
}

}  // namespace fibdns::dns
