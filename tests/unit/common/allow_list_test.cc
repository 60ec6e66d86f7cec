#include "fibdns/common/allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <string>

namespace fibdns {
namespace {

IpAddress ip(const std::string& text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.status().message();
  return parsed ? *parsed : IpAddress{};
}

TEST(IpAddress, ParsesBothFamiliesCanonically) {
  EXPECT_EQ(ip("10.0.0.7").family(), IpAddress::Family::V4);
  EXPECT_EQ(ip("10.0.0.7").toString(), "10.0.0.7");
  EXPECT_EQ(ip("2001:DB8:0:0::1").family(), IpAddress::Family::V6);
  EXPECT_EQ(ip("2001:DB8:0:0::1").toString(), "2001:db8::1");
}

TEST(IpAddress, Ipv4MappedIsTheIpv4Address) {
  EXPECT_EQ(ip("::ffff:10.1.2.3"), ip("10.1.2.3"));
  EXPECT_EQ(ip("::ffff:10.1.2.3").toString(), "10.1.2.3");
}

TEST(IpAddress, RejectsWhatIsNotANumericLiteral) {
  for (const char* text : {"", "localhost", "10.0.0", "256.1.1.1", "[::1]", "fe80::1%eth0",
                           "1.2.3.4 ", "::1::2", "0x7f.0.0.1"}) {
    EXPECT_FALSE(IpAddress::parse(text)) << text;
  }
  EXPECT_FALSE(IpAddress::parse(std::string(200, '1')));
}

TEST(IpAddress, FromSockaddrFoldsMappedAddresses) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, "::ffff:192.168.1.9", &in6.sin6_addr), 1);
  auto mapped = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&in6));
  ASSERT_TRUE(mapped);
  EXPECT_EQ(*mapped, ip("192.168.1.9"));

  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(0x7f000002);
  auto v4 = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&in));
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4, IpAddress::v4(0x7f000002));
  EXPECT_FALSE(IpAddress::fromSockaddr(nullptr));
}

struct ContainsCase {
  const char* range;
  const char* address;
  bool inside;
};

class CidrContains : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(CidrContains, MatchesThePrefixOnly) {
  const ContainsCase& c = GetParam();
  auto range = Cidr::parse(c.range);
  ASSERT_TRUE(range) << range.status().message();
  EXPECT_EQ(range->contains(ip(c.address)), c.inside) << c.range << " vs " << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrContains,
    ::testing::Values(
        ContainsCase{"10.0.0.0/8", "10.255.1.2", true},
        ContainsCase{"10.0.0.0/8", "11.0.0.0", false},
        ContainsCase{"172.16.0.0/12", "172.31.255.255", true},
        ContainsCase{"172.16.0.0/12", "172.32.0.0", false},
        ContainsCase{"192.168.1.128/25", "192.168.1.129", true},
        ContainsCase{"192.168.1.128/25", "192.168.1.127", false},
        ContainsCase{"0.0.0.0/0", "8.8.8.8", true}, ContainsCase{"0.0.0.0/0", "::1", false},
        ContainsCase{"127.0.0.1", "127.0.0.1", true}, ContainsCase{"127.0.0.1", "127.0.0.2", false},
        ContainsCase{"10.0.0.0/8", "::ffff:10.9.9.9", true},
        ContainsCase{"::ffff:10.0.0.0/104", "10.3.3.3", true},
        ContainsCase{"::ffff:10.0.0.0/104", "11.3.3.3", false},
        ContainsCase{"fc00::/7", "fd12:3456::1", true}, ContainsCase{"fc00::/7", "fe00::1", false},
        ContainsCase{"::1/128", "::1", true}, ContainsCase{"::1/128", "::2", false},
        ContainsCase{"::/0", "2001:db8::1", true}, ContainsCase{"::/0", "1.2.3.4", false},
        ContainsCase{"2001:db8::/33", "2001:db8:7fff::1", true},
        ContainsCase{"2001:db8::/33", "2001:db8:8000::1", false}));

TEST(Cidr, RejectsBadPrefixesWithTheRule) {
  for (const char* text : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8x", "::/129",
                           "10.0.0.0/-1", "::ffff:10.0.0.0/95"}) {
    auto range = Cidr::parse(text);
    EXPECT_FALSE(range) << text;
  }
  EXPECT_EQ(Cidr::parse("10.0.0.0/33").status().message(),
            "prefix length must be a number from 0 to 32, not '33'");
}

TEST(Cidr, RejectsHostBitsAndSuggestsTheNetwork) {
  auto range = Cidr::parse("10.1.2.3/8");
  ASSERT_FALSE(range);
  EXPECT_EQ(range.status().message(), "host bits set in '10.1.2.3/8' (did you mean 10.0.0.0/8?)");
  auto v6 = Cidr::parse("fd00::1/8");
  ASSERT_FALSE(v6);
  EXPECT_EQ(v6.status().message(), "host bits set in 'fd00::1/8' (did you mean fd00::/8?)");
}

TEST(Cidr, PrintsCanonically) {
  EXPECT_EQ(Cidr::parse("10.0.0.0/8")->toString(), "10.0.0.0/8");
  EXPECT_EQ(Cidr::parse("FC00:0::/7")->toString(), "fc00::/7");
  EXPECT_EQ(Cidr::parse("::1")->toString(), "::1/128");
  EXPECT_EQ(Cidr::parse("::ffff:10.0.0.0/104")->toString(), "10.0.0.0/8");
}

TEST(AllowList, ParsesACommaSeparatedListWithSpaces) {
  auto list = AllowList::parse(" 10.0.0.0/8 , ::1 ,192.168.0.0/16");
  ASSERT_TRUE(list) << list.status().message();
  EXPECT_EQ(list->toString(), "10.0.0.0/8,::1/128,192.168.0.0/16");
  EXPECT_TRUE(list->allows("10.2.3.4"));
  EXPECT_TRUE(list->allows("::1"));
  EXPECT_TRUE(list->allows("::ffff:192.168.7.7"));
  EXPECT_FALSE(list->allows("172.16.0.1"));
  EXPECT_FALSE(list->allows("::2"));
}

TEST(AllowList, ErrorsNameTheItem) {
  EXPECT_EQ(AllowList::parse("").status().message(),
            "empty list: give at least one CIDR (0.0.0.0/0,::/0 allows everything)");
  EXPECT_EQ(AllowList::parse("10.0.0.0/8,,::1").status().message(), "item 2 is empty");
  EXPECT_EQ(AllowList::parse("10.0.0.0/8,").status().message(), "item 2 is empty");
  EXPECT_EQ(AllowList::parse("::1,example.com").status().message(),
            "item 2 'example.com': not an IP address: 'example.com'");
  EXPECT_EQ(AllowList::parse("::1,::1,10.0.0.1/8").status().message(),
            "item 3 '10.0.0.1/8': host bits set in '10.0.0.1/8' (did you mean 10.0.0.0/8?)");
}

TEST(AllowList, HostNamesAreNeverAllowedUnresolved) {
  const AllowList everything = *AllowList::parse("0.0.0.0/0,::/0");
  EXPECT_FALSE(everything.allows("localhost"));
  EXPECT_TRUE(everything.allows("8.8.8.8"));
}

TEST(AllowList, DefaultIsLoopbackAndPrivate) {
  const AllowList list = AllowList::loopbackAndPrivate();
  for (const char* inside : {"127.0.0.1", "127.9.9.9", "10.0.0.1", "172.20.0.2", "192.168.0.1",
                             "::1", "fd00::5", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(list.allows(inside)) << inside;
  }
  for (const char* outside :
       {"8.8.8.8", "172.32.0.1", "169.254.169.254", "2001:db8::1", "fe80::1", "0.0.0.0", "::"}) {
    EXPECT_FALSE(list.allows(outside)) << outside;
  }
}

}  // namespace
}  // namespace fibdns
