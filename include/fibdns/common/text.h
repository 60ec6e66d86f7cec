#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// The one sanitizer for text that goes into a message, a reply or a log line: the lab codec's
/// reasons, HTTP error bodies, echoes of client input, peers' error text. Pure.
namespace fibdns::text {

inline constexpr std::size_t kUnlimited = std::string_view::npos;

/// `text` as one line of printable ASCII: ASCII whitespace (\t \n \v \f \r) becomes a space; any
/// other byte outside 0x20..0x7E (control bytes, DEL, and bytes of non-ASCII UTF-8) becomes '?'.
/// When `text` is longer than `max_length` bytes, the first `max_length` are kept and "..." is
/// appended, so a hostile input cannot make a huge message and a cut is visible.
std::string oneLine(std::string_view text, std::size_t max_length = kUnlimited);

/// `text` without the spaces and tabs around it (list items such as "a, b").
std::string_view trimBlanks(std::string_view text);

}  // namespace fibdns::text
