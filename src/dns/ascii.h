#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/text.h"

namespace fibdns::dns {

/// ASCII-only lower-casing: DNS compares names case-insensitively for A-Z only (RFC 4343).
constexpr std::uint8_t toLowerAscii(std::uint8_t c) {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c - 'A' + 'a') : c;
}

/// Longest echo of client text in a message, so that a hostile request cannot make a huge reply.
inline constexpr std::size_t kMaxEcho = 64;

/// Client text made safe for a one-line message (text::oneLine, the one sanitizer): at most
/// kMaxEcho bytes, then "...".
inline std::string printableEcho(std::string_view text) { return text::oneLine(text, kMaxEcho); }

}  // namespace fibdns::dns
