// Requests captured from the real tools (Debian bind9-dnsutils 9.18: nsupdate and dig), signed
// with a key that BIND's tsig-keygen made: the strongest check that our TSIG, UPDATE and COOKIE
// parsing agree with what operators will send. Captured once by a UDP listener that recorded the
// first datagram; the bytes are below as hex.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fibdns/security/dns_cookie.h"
#include "fibdns/security/tsig.h"
#include "fibdns/security/tsig_keyfile.h"
#include "fibdns/update/update_message.h"
#include "fibdns/update/update_plan.h"

namespace fibdns::security {
namespace {

using Bytes = std::vector<std::uint8_t>;

// `tsig-keygen -a hmac-sha256 ddns-key.example`
constexpr const char* kKeyFile =
    "key \"ddns-key.example\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"HG9yvXjz1iFx6xpGKQsVuQnNJLtmgUVm8IVi+UF/saE=\";\n"
    "};\n";

// nsupdate -k key.conf:  zone example.org / prereq nxdomain new.example.org /
//   update add new.example.org 300 A 192.0.2.7 / update delete old.example.org A / send
constexpr const char* kNsupdateHex =
    "ff0b28000001000100020001076578616d706c65036f72670000060001036e6577c00c00ff00fe000000000000c01d"
    "00"
    "0100010000012c0004c0000207036f6c64c00c000100ff0000000000000864646e732d6b6579076578616d706c6500"
    "00"
    "fa00ff00000000003d0b686d61632d7368613235360000006b083be2012c002048b0130e6bdfacb971911a94408b87"
    "b8"
    "829e6a4ffa572f78f20c643a80e3b09aff0b00000000";
constexpr std::uint64_t kNsupdateTime = 0x6b083be2;

// dig -k key.conf www.example.org A  (with dig's default EDNS COOKIE)
constexpr const char* kDigHex =
    "ef5e0120000100000000000203777777076578616d706c65036f7267000001000100002904d000000000000c000a00"
    "08"
    "3519f4dd129f74c90864646e732d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235"
    "36"
    "0000006b083be5012c0020e70767d6432085ba58c4197bce287a90a73a2bc42343ef7645486c5709bbbe01ef5e0000"
    "00"
    "00";
constexpr std::uint64_t kDigTime = 0x6b083be5;

Bytes hex(std::string_view text) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(
        static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

class BindToolsTest : public ::testing::Test {
 protected:
  TsigKeyring keys_ = parseTsigKeyring(kKeyFile).value();
};

TEST_F(BindToolsTest, NsupdateRequestVerifies) {
  const auto verdict = verifyRequest(hex(kNsupdateHex), keys_, kNsupdateTime + 10);
  ASSERT_TRUE(verdict.isOk()) << verdict.status().message();
  ASSERT_TRUE(verdict->has_value());
  EXPECT_TRUE((*verdict)->isVerified());
  EXPECT_EQ((*verdict)->key->name.key(), "ddns-key.example");
}

TEST_F(BindToolsTest, DigQueryVerifies) {
  const auto verdict = verifyRequest(hex(kDigHex), keys_, kDigTime);
  ASSERT_TRUE(verdict.isOk()) << verdict.status().message();
  ASSERT_TRUE(verdict->has_value());
  EXPECT_TRUE((*verdict)->isVerified());
}

TEST_F(BindToolsTest, ChangedQuestionFailsTheMac) {
  Bytes query = hex(kDigHex);
  query[13] = 'W';  // www -> Www
  const auto verdict = verifyRequest(query, keys_, kDigTime);
  ASSERT_TRUE(verdict.isOk());
  EXPECT_EQ((*verdict)->error, TsigError::BadSig);
}

TEST_F(BindToolsTest, DigCookieIsFound) {
  const auto cookie = findCookieOption(hex(kDigHex));
  ASSERT_TRUE(cookie.isOk());
  ASSERT_TRUE(cookie->has_value());
  EXPECT_EQ(Bytes((*cookie)->client.begin(), (*cookie)->client.end()), hex("3519f4dd129f74c9"));
  EXPECT_EQ((*cookie)->server_size, 0u);
}

class OneZone : public update::ZoneView {
 public:
  std::optional<update::ApexRecords> apexAt(const dns::WireName& name) const override {
    if (name.key() != "example.org") {
      return std::nullopt;
    }
    update::ApexRecords apex;
    apex.ns = {dns::WireName::fromHostName("ns1.example.org").value()};
    return apex;
  }
  std::optional<update::ARecordValue> findA(const dns::WireName& name) const override {
    if (name.key() == "old.example.org") {
      return update::ARecordValue{{10, 0, 0, 1}, 60};
    }
    return std::nullopt;
  }
};

TEST_F(BindToolsTest, NsupdateMessagePlansItsChanges) {
  const auto message = update::parseUpdate(hex(kNsupdateHex));
  ASSERT_TRUE(message.isOk()) << message.status().message();
  EXPECT_EQ(message->zone.key(), "example.org");
  ASSERT_EQ(message->prerequisites.size(), 1u);
  ASSERT_EQ(message->updates.size(), 2u);
  const update::UpdatePlan plan = update::planUpdate(*message, OneZone{});
  EXPECT_EQ(plan.rcode, update::UpdateRcode::NoError) << plan.reason;
  using Kind = update::RecordChange::Kind;
  const std::vector<update::RecordChange> want = {
      {Kind::Upsert, "new.example.org", {{192, 0, 2, 7}, 300}},
      {Kind::Delete, "old.example.org", {}},
  };
  EXPECT_EQ(plan.changes, want);
}

}  // namespace
}  // namespace fibdns::security
