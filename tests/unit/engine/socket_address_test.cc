#include "fibdns/engine/socket_address.h"

#include <gtest/gtest.h>

namespace fibdns::engine {
namespace {

TEST(SocketAddress, ParsesIpv4AndIpv6Literals) {
  auto v4 = SocketAddress::fromIp("192.0.2.1", 53);
  ASSERT_TRUE(v4.isOk());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->toString(), "192.0.2.1:53");
  auto v6 = SocketAddress::fromIp("2001:DB8::1", 53533);
  ASSERT_TRUE(v6.isOk());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(v6->toString(), "[2001:db8::1]:53533");
  auto mapped = SocketAddress::fromIp("::ffff:192.0.2.7", 1);
  ASSERT_TRUE(mapped.isOk());
  EXPECT_EQ(mapped->ip(), "192.0.2.7");
  EXPECT_TRUE(SocketAddress::fromIp("0.0.0.0", 1)->isWildcard());
  EXPECT_TRUE(SocketAddress::fromIp("::", 1)->isWildcard());
  EXPECT_FALSE(SocketAddress::fromIp("::1", 1)->isWildcard());
}

TEST(SocketAddress, RejectsWhatIsNotANumericAddress) {
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::1%lo", " ::1",
                          "[::1]", "1.2.3.4:53"}) {
    EXPECT_FALSE(SocketAddress::fromIp(bad, 53).isOk()) << bad;
  }
}

TEST(SocketAddress, ParsesAddressLists) {
  auto both = parseAddressList("0.0.0.0,::", 53533);
  ASSERT_TRUE(both.isOk());
  ASSERT_EQ(both->size(), 2U);
  EXPECT_EQ((*both)[0].toString(), "0.0.0.0:53533");
  EXPECT_EQ((*both)[1].toString(), "[::]:53533");
  EXPECT_EQ(parseAddressList("", 1).status().message(), "empty item in address list ''");
  EXPECT_FALSE(parseAddressList("127.0.0.1,", 1).isOk());
  EXPECT_FALSE(parseAddressList(",::1", 1).isOk());
  EXPECT_EQ(parseAddressList("::1,::1", 1).status().message(), "address ::1 given twice");
  EXPECT_EQ(parseAddressList("127.0.0.1,nope", 1).status().message(),
            "not an IPv4 or IPv6 address: 'nope'");
}

}  // namespace
}  // namespace fibdns::engine
