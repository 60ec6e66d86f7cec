#include "fibdns/common/allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include "fibdns/common/text.h"

namespace fibdns {
namespace {

constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};

std::string echo(std::string_view text) { return text::oneLine(text, 64); }

std::string_view trim(std::string_view text) { return text::trimBlanks(text); }

/// True when the first `prefix` bits of a and b are equal.
bool samePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xffU << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

/// `bytes` with every bit after the first `prefix` cleared.
std::array<std::uint8_t, 16> masked(std::array<std::uint8_t, 16> bytes, unsigned prefix) {
  for (unsigned bit = prefix; bit < 128; ++bit) {
    bytes[bit / 8] = static_cast<std::uint8_t>(bytes[bit / 8] & ~(0x80U >> (bit % 8)));
  }
  return bytes;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest literal is 45 characters.
  char buffer[INET6_ADDRSTRLEN + 1] = {};
  if (text.empty() || text.size() >= sizeof buffer) {
    return invalidArgument("not an IP address: '" + echo(text) + "'");
  }
  std::memcpy(buffer, text.data(), text.size());
  IpAddress address;
  if (::inet_pton(AF_INET, buffer, address.bytes_.data()) == 1) {
    address.family_ = Family::V4;
    return address;
  }
  if (::inet_pton(AF_INET6, buffer, address.bytes_.data()) == 1) {
    if (std::memcmp(address.bytes_.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size()) ==
        0) {
      std::array<std::uint8_t, 16> v4{};
      std::memcpy(v4.data(), address.bytes_.data() + 12, 4);
      address.bytes_ = v4;
      address.family_ = Family::V4;
      return address;
    }
    address.family_ = Family::V6;
    return address;
  }
  return invalidArgument("not an IP address: '" + echo(text) + "'");
}

Result<IpAddress> IpAddress::fromSockaddr(const sockaddr* address) {
  if (address == nullptr) {
    return invalidArgument("no address");
  }
  if (address->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    IpAddress result;
    std::memcpy(result.bytes_.data(), &in.sin_addr, 4);
    return result;
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    IpAddress result;
    std::memcpy(result.bytes_.data(), &in6.sin6_addr, 16);
    result.family_ = Family::V6;
    if (std::memcmp(result.bytes_.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size()) ==
        0) {
      std::array<std::uint8_t, 16> v4{};
      std::memcpy(v4.data(), result.bytes_.data() + 12, 4);
      result.bytes_ = v4;
      result.family_ = Family::V4;
    }
    return result;
  }
  return invalidArgument("not an IPv4 or IPv6 address (family " +
                         std::to_string(address->sa_family) + ")");
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> octets) {
  IpAddress address;
  std::memcpy(address.bytes_.data(), octets.data(), 4);
  return address;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> octets) {
  if (std::memcmp(octets.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size()) == 0) {
    return v4({octets[12], octets[13], octets[14], octets[15]});
  }
  IpAddress address;
  address.family_ = Family::V6;
  address.bytes_ = octets;
  return address;
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress address;
  address.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24U);
  address.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16U);
  address.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8U);
  address.bytes_[3] = static_cast<std::uint8_t>(host_order);
  return address;
}

std::string IpAddress::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family_ == Family::V4 ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
  return text;
}

Result<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  // A mapped range must be recognised before IpAddress::parse folds it to IPv4.
  const bool written_as_ipv6 = address_text.find(':') != std::string_view::npos;
  auto address = IpAddress::parse(address_text);
  if (!address) {
    return address.status();
  }
  const unsigned written_max = written_as_ipv6 ? 128 : 32;
  unsigned prefix = written_max;
  if (slash != std::string_view::npos) {
    const std::string_view prefix_text = text.substr(slash + 1);
    const char* end = prefix_text.data() + prefix_text.size();
    const auto [ptr, error] = std::from_chars(prefix_text.data(), end, prefix);
    if (prefix_text.empty() || prefix_text.front() == '+' || error != std::errc() || ptr != end ||
        prefix > written_max) {
      return invalidArgument("prefix length must be a number from 0 to " +
                             std::to_string(written_max) + ", not '" + echo(prefix_text) + "'");
    }
  }
  if (written_as_ipv6 && address->family() == IpAddress::Family::V4) {
    if (prefix < 96) {
      return invalidArgument("an IPv4-mapped range needs a prefix of at least 96: '" + echo(text) +
                             "'");
    }
    prefix -= 96;
  }
  const std::array<std::uint8_t, 16> network = masked(address->bytes(), prefix);
  if (network != address->bytes()) {
    IpAddress meant = *address;
    meant.bytes_ = network;
    return invalidArgument("host bits set in '" + echo(text) + "' (did you mean " +
                           meant.toString() + "/" + std::to_string(prefix) + "?)");
  }
  return Cidr(*address, prefix);
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family() != network_.family()) {
    return false;
  }
  return samePrefix(address.bytes(), network_.bytes(), prefix_length_);
}

std::string Cidr::toString() const {
  return network_.toString() + "/" + std::to_string(prefix_length_);
}

Result<AllowList> AllowList::parse(std::string_view text) {
  AllowList list;
  if (trim(text).empty()) {
    return invalidArgument("empty list: give at least one CIDR (0.0.0.0/0,::/0 allows everything)");
  }
  std::size_t position = 1;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (item.empty()) {
      return invalidArgument("item " + std::to_string(position) + " is empty");
    }
    auto range = Cidr::parse(item);
    if (!range) {
      return invalidArgument("item " + std::to_string(position) + " '" + echo(item) +
                             "': " + range.status().message());
    }
    list.ranges_.push_back(*range);
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
    ++position;
  }
  return list;
}

AllowList AllowList::loopbackAndPrivate() {
  auto list = parse(kLoopbackAndPrivateRanges);
  return *std::move(list);
}

bool AllowList::allows(const IpAddress& address) const {
  for (const Cidr& range : ranges_) {
    if (range.contains(address)) {
      return true;
    }
  }
  return false;
}

bool AllowList::allows(std::string_view address_literal) const {
  auto address = IpAddress::parse(address_literal);
  return address && allows(*address);
}

std::string AllowList::toString() const {
  std::string text;
  for (const Cidr& range : ranges_) {
    if (!text.empty()) {
      text += ',';
    }
    text += range.toString();
  }
  return text;
}

}  // namespace fibdns
