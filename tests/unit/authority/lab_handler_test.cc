#include "fibdns/authority/lab_handler.h"

#include <gtest/gtest.h>

namespace fibdns::authority {
namespace {

dns::ARecord record(std::string name, std::uint8_t last_octet, std::uint32_t ttl) {
  return {std::move(name), dns::Ipv4Address{{10, 0, 0, last_octet}}, ttl};
}

class LabHandlerTest : public ::testing::Test {
 protected:
  LabDecision send(std::string_view request) { return LabHandler::decide(request, zone_); }
  std::string reply(std::string_view request) { return send(request).reply; }

  RecordCache zone_;
};

TEST_F(LabHandlerTest, RegistrationIsHandedBackNormalisedWithoutAReply) {
  const LabDecision decision = send("TYPE=A\nNAME=FibOnacci.COM.\nVALUE=10.0.0.2\nTTL=10\n");
  ASSERT_TRUE(decision.registration.has_value());
  EXPECT_EQ(*decision.registration, record("fibonacci.com", 2, 10));
  EXPECT_EQ(decision.reply, "");
  EXPECT_EQ(zone_.find("fibonacci.com"), nullptr);  // nothing is visible before the commit
}

TEST_F(LabHandlerTest, QueryIsAnsweredFromTheZoneData) {
  zone_.put(record("fibonacci.com", 2, 10));
  const LabDecision decision = send("TYPE=A\nNAME=FIBONACCI.com\n");
  EXPECT_FALSE(decision.registration.has_value());
  EXPECT_EQ(decision.reply, "TYPE=A\nNAME=fibonacci.com\nVALUE=10.0.0.2\nTTL=10\n");
}

TEST_F(LabHandlerTest, UnknownNameIsNotFound) {
  EXPECT_EQ(reply("TYPE=A\nNAME=nowhere.com\n"), "NOT FOUND!");
}

TEST_F(LabHandlerTest, MalformedRequestIsABadRequest) {
  EXPECT_EQ(reply("NAME=a.com\nNAME=b.com\n").rfind("BAD REQUEST!\n", 0), 0U);
  EXPECT_EQ(reply("").rfind("BAD REQUEST!\n", 0), 0U);
  EXPECT_FALSE(send("garbage").registration.has_value());
}

TEST_F(LabHandlerTest, InvalidRegistrationIsRejectedAndNotHandedBack) {
  const LabDecision decision = send("TYPE=A\nNAME=a.com\nVALUE=256.1.1.1\nTTL=5\n");
  EXPECT_FALSE(decision.registration.has_value());
  EXPECT_EQ(decision.reply.rfind("Registration Failed!\n", 0), 0U);
}

TEST(LabHandlerReplies, RegistrationReplyNamesWhatTheStoreSaid) {
  EXPECT_EQ(LabHandler::registrationReply(Status::ok()), "Registration Succeeded!");
  EXPECT_EQ(LabHandler::registrationReply(deadlineExceeded("database busy")),
            "Registration Failed!\ndatabase busy");
  EXPECT_EQ(LabHandler::registrationReply(unavailable("disk I/O error")),
            "Registration Failed!\nstore unavailable: disk I/O error");
  EXPECT_EQ(LabHandler::busyReply(), "Registration Failed!\nbusy, try again");
}

}  // namespace
}  // namespace fibdns::authority
