#include "fibdns/dns/ipv4.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

namespace fibdns::dns {
namespace {

struct ValidCase {
  const char* label;
  std::string input;
  std::array<std::uint8_t, 4> octets;
};

TEST(Ipv4, ParsesValidDottedQuads) {
  const ValidCase cases[] = {
      {"typical", "172.18.0.2", {172, 18, 0, 2}},
      {"all zero", "0.0.0.0", {0, 0, 0, 0}},
      {"all max", "255.255.255.255", {255, 255, 255, 255}},
      {"loopback", "127.0.0.1", {127, 0, 0, 1}},
      {"two digit octets", "10.99.10.2", {10, 99, 10, 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Result<Ipv4Address> address = parseIpv4(c.input);
    ASSERT_TRUE(address.isOk()) << address.status().message();
    EXPECT_EQ(address->octets, c.octets);
  }
}

struct InvalidCase {
  const char* label;
  std::string input;
};

TEST(Ipv4, RejectsInvalidText) {
  const InvalidCase cases[] = {
      {"empty", ""},
      {"octet over 255", "256.1.1.1"},
      {"last octet over 255", "1.1.1.300"},
      {"four digit octet", "1000.1.1.1"},
      {"three octets", "1.2.3"},
      {"five octets", "1.2.3.4.5"},
      {"leading zero", "01.2.3.4"},
      {"leading zero inner", "1.2.03.4"},
      {"double zero", "00.1.2.3"},
      {"empty octet", "1..2.3"},
      {"leading dot", ".1.2.3"},
      {"trailing dot", "1.2.3.4."},
      {"sign", "+1.2.3.4"},
      {"negative", "-1.2.3.4"},
      {"leading space", " 1.2.3.4"},
      {"trailing space", "1.2.3.4 "},
      {"letters", "a.b.c.d"},
      {"hex", "0x7f.0.0.1"},
      {"single number", "2130706433"},
      {"name", "fibonacci.com"},
      {"trailing junk", "1.2.3.4x"},
      {"ipv6", "::1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Result<Ipv4Address> address = parseIpv4(c.input);
    ASSERT_FALSE(address.isOk());
    EXPECT_EQ(address.status().code(), StatusCode::InvalidArgument);
    EXPECT_EQ(address.status().message().rfind("invalid IPv4 address: ", 0), 0U)
        << address.status().message();
  }
}

TEST(Ipv4, MessageEchoesTheText) {
  const Result<Ipv4Address> address = parseIpv4("300.1.1.1");
  ASSERT_FALSE(address.isOk());
  EXPECT_EQ(address.status().message(), "invalid IPv4 address: 300.1.1.1");
}

TEST(Ipv4, MessageTruncatesLongAndControlText) {
  const Result<Ipv4Address> address = parseIpv4(std::string(500, '9') + "\n\x01");
  ASSERT_FALSE(address.isOk());
  const std::string message = address.status().message();
  EXPECT_LE(message.size(), std::string("invalid IPv4 address: ").size() + 64 + 3);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
  EXPECT_EQ(message.find('\n'), std::string::npos);

  const Result<Ipv4Address> control = parseIpv4("1.2\n.3\x7f");
  ASSERT_FALSE(control.isOk());
  // text::oneLine: whitespace becomes a space, other control bytes become ?.
  EXPECT_EQ(control.status().message(), "invalid IPv4 address: 1.2 .3?");
}

TEST(Ipv4, FormatsDottedQuad) {
  struct Case {
    const char* label;
    std::array<std::uint8_t, 4> octets;
    std::string want;
  };
  const Case cases[] = {
      {"typical", {172, 18, 0, 2}, "172.18.0.2"},
      {"zeros", {0, 0, 0, 0}, "0.0.0.0"},
      {"max", {255, 255, 255, 255}, "255.255.255.255"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(Ipv4Address{c.octets}.toString(), c.want);
  }
}

TEST(Ipv4, RoundTripsThroughText) {
  for (const char* text : {"1.2.3.4", "10.9.10.2", "255.0.255.0", "0.0.0.1"}) {
    SCOPED_TRACE(text);
    const Result<Ipv4Address> address = parseIpv4(text);
    ASSERT_TRUE(address.isOk());
    EXPECT_EQ(address->toString(), text);
  }
}

}  // namespace
}  // namespace fibdns::dns
