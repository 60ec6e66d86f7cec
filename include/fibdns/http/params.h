#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"
#include "fibdns/net/udp_lab_client.h"

/// Validation of query-string parameters. Pure: no I/O. Values arrive as the HTTP library hands
/// them over: Pistache 0.0.5 does not percent-decode query values, so every parser here decodes
/// first. Every error is InvalidArgument with a one-line message naming the parameter and the rule.
namespace fibdns::http {

/// Decodes a query-string value: "%35" -> "5", "+" -> " ". InvalidArgument on a '%' that is not
/// followed by two hex digits.
Result<std::string> percentDecode(std::string_view text);

/// Encodes every byte outside RFC 3986 "unreserved" (ALPHA / DIGIT / - . _ ~) as %XX, so any text
/// can be put into a query string and read back unchanged.
std::string percentEncode(std::string_view text);

/// The FS's `number`: a plain decimal integer 0..max_number, after percent-decoding. Rejects, each
/// with its own message: missing, empty, spaces, a sign, a fraction or exponent, hexadecimal,
/// other non-digits, and values above max_number. Leading zeros are accepted ("010" is 10).
Result<std::uint64_t> parseFibonacciIndex(const std::optional<std::string>& raw,
                                          std::uint64_t max_number);

/// A port parameter 1..65535 after percent-decoding; the message names `name`.
Result<std::uint16_t> parsePortParameter(std::string_view name, std::string_view raw);

/// True when the last label of a normalised name is all digits ("300.1.1.1", "10"): such a name
/// is a mistyped IPv4 address, never a host name (RFC 1123 §2.1, RFC 3696 §2).
bool hasNumericTopLabel(std::string_view name);

/// An AS address as a caller gives it (`as_ip` in the US's query and the FS's JSON): an IPv4
/// literal (kept as given), an IPv6 literal, bare or in brackets (returned canonical, without
/// brackets), or a host name (returned normalised; one whose last label is numeric is a mistyped
/// address and is refused). InvalidArgument naming as_ip otherwise.
Result<std::string> parseAsAddress(std::string_view text);

/// The US's five query parameters as received (not decoded); nullopt when absent.
struct RawUserQuery {
  std::optional<std::string> hostname;
  std::optional<std::string> fs_port;
  std::optional<std::string> number;
  std::optional<std::string> as_ip;
  std::optional<std::string> as_port;
};

/// A validated US request.
struct UserRequest {
  std::string hostname;  // normalised: lowercase, no trailing dot
  std::uint16_t fs_port = 0;
  std::string number;  // decoded, otherwise as given: the FS judges it (its 400 is passed through)
  net::AsEndpoint as;  // ip: an IPv4 or IPv6 literal, or a host name (see parseAsAddress)
};

/// Validates the US's parameters. On failure the message names every missing or empty parameter
/// ("missing parameters: as_port, number"), or else every invalid one, separated by "; ".
Result<UserRequest> validateUserQuery(const RawUserQuery& raw);

}  // namespace fibdns::http
