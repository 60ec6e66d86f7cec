#include "fibdns/authority/datagram_handler.h"

#include <gtest/gtest.h>

#include "support/dns_packets.h"

namespace fibdns::authority {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class DatagramHandlerTest : public ::testing::Test {
 protected:
  DatagramHandlerTest() { zone_.put({"fibonacci.com", {{1, 2, 3, 4}}, 300}); }

  std::optional<dns::ARecord> handle(std::span<const std::uint8_t> datagram,
                                     bool truncated = false) {
    last_ = handler_.handle(datagram, truncated, source_, 1'700'000'000, zone_, reply_);
    return last_.registration;
  }

  RecordCache zone_;
  DnsResponder responder_ = DnsResponder::create(ZoneConfig{}).value();
  DnsRequestHandler dns_{responder_, ZoneConfig{}, {}};
  security::IpAddress source_ = security::IpAddress::v4({192, 0, 2, 7});
  DatagramHandler handler_{dns_, [](const security::IpAddress& address) {
                             return address.bytes()[0] != 203;  // 203.x.x.x may not register
                           }};
  DatagramOutcome last_;
  std::string reply_ = "left over from before";
};

TEST_F(DatagramHandlerTest, TextIsTheLabProtocol) {
  EXPECT_FALSE(handle(bytes("TYPE=A\nNAME=fibonacci.com\n")));
  EXPECT_EQ(reply_, "TYPE=A\nNAME=fibonacci.com\nVALUE=1.2.3.4\nTTL=300\n");
  EXPECT_FALSE(handle(bytes("TYPE=A\nNAME=nowhere.com\n")));
  EXPECT_EQ(reply_, "NOT FOUND!");
}

TEST_F(DatagramHandlerTest, RegistrationIsHandedBackWithNoReplyYet) {
  const auto registration = handle(bytes("TYPE=A NAME=New.COM VALUE=10.0.0.1 TTL=5"));
  ASSERT_TRUE(registration.has_value());
  EXPECT_EQ(registration->name, "new.com");
  EXPECT_EQ(reply_, "");
}

TEST_F(DatagramHandlerTest, BinaryIsDns) {
  const auto query = testutil::buildQuery("fibonacci.com", 1, 0x1234);
  EXPECT_FALSE(handle(query));
  std::string error;
  const std::vector<std::uint8_t> raw(reply_.begin(), reply_.end());
  const auto response = testutil::parseResponse(raw, &error);
  ASSERT_TRUE(response.has_value()) << error;
  EXPECT_EQ(response->id, 0x1234);
  ASSERT_EQ(response->answers.size(), 1U);
}

TEST_F(DatagramHandlerTest, NeverAnswersAnotherServersReply) {
  for (const char* text :
       {"BAD REQUEST!\nfield without '=': hello", "NOT FOUND!", "  Registration Succeeded!",
        "Registration Failed!\nx", "SERVER ERROR!\ninternal error"}) {
    EXPECT_FALSE(handle(bytes(text)));
    EXPECT_EQ(reply_, "") << text;
  }
  EXPECT_FALSE(handle(bytes("hello")));
  EXPECT_EQ(reply_.rfind("BAD REQUEST!\n", 0), 0U);  // an ordinary bad request is answered
}

TEST_F(DatagramHandlerTest, RegistrationFromAnAddressNotAllowedIsRefusedAndNamed) {
  source_ = security::IpAddress::v4({203, 0, 113, 9});
  EXPECT_FALSE(handle(bytes("TYPE=A NAME=a.com VALUE=10.0.0.1 TTL=5")));
  EXPECT_EQ(reply_, "Registration Failed!\nnot allowed from 203.0.113.9");
  EXPECT_TRUE(last_.refused_write);
  // Queries stay open to everyone.
  EXPECT_FALSE(handle(bytes("TYPE=A\nNAME=fibonacci.com\n")));
  EXPECT_EQ(reply_, "TYPE=A\nNAME=fibonacci.com\nVALUE=1.2.3.4\nTTL=300\n");
  EXPECT_FALSE(last_.refused_write);
}

TEST_F(DatagramHandlerTest, AnUnsignedUpdateIsRefusedWhenNoOneMayUpdate) {
  testutil::UpdateSpec update;
  update.zone = "";
  const auto message = testutil::buildUpdate(update);
  EXPECT_FALSE(handle(message));
  EXPECT_TRUE(last_.is_dns);
  EXPECT_TRUE(last_.refused_write);
  EXPECT_EQ(last_.update, nullptr);
  ASSERT_GE(reply_.size(), 12U);
  EXPECT_EQ(static_cast<std::uint8_t>(reply_[3]) & 0x0f, 5);  // REFUSED
}

TEST_F(DatagramHandlerTest, AnEmptyDatagramGetsNoReply) {
  EXPECT_FALSE(handle(std::span<const std::uint8_t>()));
  EXPECT_EQ(reply_, "");
}

TEST_F(DatagramHandlerTest, TruncatedTextIsABadRequestAndTruncatedDnsIsFormErr) {
  EXPECT_FALSE(handle(bytes("TYPE=A NAME=a.com VALUE=10.0.0.1 TTL=5"), /*truncated=*/true));
  EXPECT_EQ(reply_, "BAD REQUEST!\nrequest larger than 38 bytes");

  const auto query = testutil::buildQuery("fibonacci.com", 1, 0x4321);
  EXPECT_FALSE(handle(query, /*truncated=*/true));
  ASSERT_EQ(reply_.size(), 12U);
  EXPECT_EQ(static_cast<std::uint8_t>(reply_[0]), 0x43);
  EXPECT_EQ(static_cast<std::uint8_t>(reply_[3]) & 0x0f, 1);  // FORMERR
  EXPECT_NE(static_cast<std::uint8_t>(reply_[2]) & 0x80, 0);  // QR

  const std::string response("\x43\x21\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
  EXPECT_FALSE(handle(bytes(response), /*truncated=*/true));
  EXPECT_EQ(reply_, "");  // a response is never answered
}

}  // namespace
}  // namespace fibdns::authority
