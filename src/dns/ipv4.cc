#include "fibdns/dns/ipv4.h"

#include "dns/ascii.h"

#include <charconv>
#include <cstddef>
#include <string>

namespace fibdns::dns {
namespace {

Status invalidIpv4(std::string_view text) {
  return invalidArgument("invalid IPv4 address: " + printableEcho(text));
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string Ipv4Address::toString() const {
  std::string text;
  text.reserve(15);  // "255.255.255.255"
  for (std::size_t i = 0; i < octets.size(); ++i) {
    if (i != 0) {
      text.push_back('.');
    }
    const unsigned value = octets[i];
    if (value >= 100) {
      text.push_back(static_cast<char>('0' + value / 100));
    }
    if (value >= 10) {
      text.push_back(static_cast<char>('0' + value / 10 % 10));
    }
    text.push_back(static_cast<char>('0' + value % 10));
  }
  return text;
}

Result<Ipv4Address> parseIpv4(std::string_view text) {
  if (text.empty() || text.size() > 15) {
    return invalidIpv4(text);
  }
  Ipv4Address address;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < address.octets.size(); ++i) {
    if (i != 0) {
      if (pos >= text.size() || text[pos] != '.') {
        return invalidIpv4(text);  // too few octets
      }
      ++pos;
    }
    std::size_t end = pos;
    while (end < text.size() && isDigit(text[end])) {
      ++end;
    }
    const std::size_t digits = end - pos;
    // One to three digits; a leading zero only as the whole octet ("0"), since inet_aton reads
    // "010" as octal 8 and we refuse to guess which the client meant.
    if (digits == 0 || digits > 3 || (digits > 1 && text[pos] == '0')) {
      return invalidIpv4(text);
    }
    unsigned value = 0;
    for (std::size_t k = pos; k < end; ++k) {
      value = value * 10U + static_cast<unsigned>(text[k] - '0');
    }
    if (value > 255U) {
      return invalidIpv4(text);
    }
    address.octets[i] = static_cast<std::uint8_t>(value);
    pos = end;
  }
  if (pos != text.size()) {
    return invalidIpv4(text);  // a fifth octet, or trailing junk
  }
  return address;
}

}  // namespace fibdns::dns
