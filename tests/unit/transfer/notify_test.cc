#include "fibdns/transfer/notify.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::transfer {
namespace {

using testutil::Bytes;
using testutil::PacketBuilder;

constexpr std::uint16_t kNotifyFlags = 4 << 11;
constexpr std::uint16_t kQr = 0x8000;

ApexRecords soa(std::uint32_t serial) {
  ApexRecords records;
  records.primary_ns = "ns1.fib.test";
  records.hostmaster = "hostmaster.fib.test";
  records.serial = serial;
  return records;
}

TEST(WriteNotify, IsOpcodeNotifyWithTheSoaQuestionAndAnswer) {
  std::array<std::uint8_t, 512> buffer{};
  const auto size = writeNotify(0xABCD, "fib.test", soa(4242), buffer);
  ASSERT_TRUE(size.isOk()) << size.status().message();
  std::string error;
  const auto message = testutil::parseResponse(std::span(buffer.data(), *size), &error);
  ASSERT_TRUE(message.has_value()) << error;
  EXPECT_EQ(message->id, 0xABCD);
  EXPECT_EQ(message->opcode, 4);
  EXPECT_FALSE(message->qr);
  EXPECT_TRUE(message->aa);
  EXPECT_EQ(message->rcode, 0);
  EXPECT_EQ(message->question_name, "fib.test");
  EXPECT_EQ(message->qtype, 6);
  EXPECT_EQ(message->qclass, 1);
  ASSERT_EQ(message->answers.size(), 1U);
  const auto& answer = message->answers[0];
  EXPECT_EQ(answer.type, 6);
  EXPECT_EQ(answer.name, "fib.test");
  EXPECT_EQ(answer.serial, 4242U);
  EXPECT_EQ(answer.target, "ns1.fib.test");
  EXPECT_EQ(answer.mailbox, "hostmaster.fib.test");
  EXPECT_EQ(message->nscount, 0);
  EXPECT_EQ(message->arcount, 0);
}

TEST(WriteNotify, RootZoneAndErrors) {
  std::array<std::uint8_t, 512> buffer{};
  const auto size = writeNotify(1, "", soa(1), buffer);
  ASSERT_TRUE(size.isOk());
  const auto message = testutil::parseResponse(std::span(buffer.data(), *size));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->question_name, "");

  std::array<std::uint8_t, 20> tiny{};
  EXPECT_EQ(writeNotify(1, "fib.test", soa(1), tiny).status().code(), StatusCode::InvalidArgument);
  EXPECT_EQ(writeNotify(1, "bad..name", soa(1), buffer).status().code(),
            StatusCode::InvalidArgument);
}

Bytes reply(std::uint16_t id, std::uint16_t flags, std::string_view zone = "fib.test",
            std::uint16_t qtype = 6) {
  PacketBuilder builder;
  builder.header(id, flags, 1).question(zone, qtype);
  return builder.bytes();
}

TEST(ClassifyNotifyReply, RecognisesTheAcknowledgement) {
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags | 0x0400), 7, "fib.test"),
            NotifyReply::Acknowledged);
  // Case of the echoed question does not matter.
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags, "FIB.Test"), 7, "fib.test"),
            NotifyReply::Acknowledged);
  // An error reply without the question still belongs to us by its ID.
  PacketBuilder bare;
  bare.header(7, kQr | kNotifyFlags | 5, 0);
  EXPECT_EQ(classifyNotifyReply(bare.bytes(), 7, "fib.test"), NotifyReply::Refused);
}

TEST(ClassifyNotifyReply, ErrorRcodeIsRefused) {
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags | 5), 7, "fib.test"),
            NotifyReply::Refused);
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags | 9), 7, "fib.test"),
            NotifyReply::Refused);
}

TEST(ClassifyNotifyReply, IgnoresWhatIsNotOurReply) {
  EXPECT_EQ(classifyNotifyReply(reply(8, kQr | kNotifyFlags), 7, "fib.test"),
            NotifyReply::Unrelated);  // other ID
  EXPECT_EQ(classifyNotifyReply(reply(7, kNotifyFlags), 7, "fib.test"),
            NotifyReply::Unrelated);  // not a response
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr), 7, "fib.test"),
            NotifyReply::Unrelated);  // opcode QUERY
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags, "other.test"), 7, "fib.test"),
            NotifyReply::Unrelated);  // other zone
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags, "www.fib.test"), 7, "fib.test"),
            NotifyReply::Unrelated);  // a name below the zone
  EXPECT_EQ(classifyNotifyReply(reply(7, kQr | kNotifyFlags, "fib.test", 1), 7, "fib.test"),
            NotifyReply::Unrelated);  // QTYPE A
  Bytes cut = reply(7, kQr | kNotifyFlags);
  cut.resize(cut.size() - 3);
  EXPECT_EQ(classifyNotifyReply(cut, 7, "fib.test"), NotifyReply::Unrelated);
  EXPECT_EQ(classifyNotifyReply(Bytes{0, 7}, 7, "fib.test"), NotifyReply::Unrelated);
}

}  // namespace
}  // namespace fibdns::transfer
