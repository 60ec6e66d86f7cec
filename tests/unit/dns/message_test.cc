#include "fibdns/dns/message.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "support/dns_packets.h"

namespace fibdns::dns {
namespace {

using testutil::Bytes;
using testutil::PacketBuilder;

TEST(Message, ReadsHeaderFieldByField) {
  const Bytes bytes = PacketBuilder().header(0xBEEF, 0x2900, 1, 2, 3, 4).bytes();
  WireReader reader(bytes);
  Header header;
  ASSERT_TRUE(readHeader(reader, header));
  EXPECT_EQ(header.id, 0xBEEF);
  EXPECT_EQ(header.opcode(), 5);
  EXPECT_FALSE(header.isResponse());
  EXPECT_EQ(header.qdcount, 1);
  EXPECT_EQ(header.ancount, 2);
  EXPECT_EQ(header.nscount, 3);
  EXPECT_EQ(header.arcount, 4);
}

TEST(Message, TruncatedHeaderFails) {
  Bytes bytes = PacketBuilder().header(1, 0, 1).bytes();
  bytes.pop_back();
  WireReader reader(bytes);
  Header header;
  EXPECT_FALSE(readHeader(reader, header));
}

TEST(Message, WritesHeader) {
  std::array<std::uint8_t, 12> buffer{};
  WireWriter writer(buffer);
  writeHeader(writer, Header{0x0102, 0x8400, 1, 1, 0, 1});
  const Bytes got(writer.written().begin(), writer.written().end());
  EXPECT_EQ(got, PacketBuilder().header(0x0102, 0x8400, 1, 1, 0, 1).bytes());
}

TEST(Message, ReadsQuestion) {
  const Bytes bytes = PacketBuilder().question("Fib.COM", 28, 3).bytes();
  WireReader reader(bytes);
  Question question;
  ASSERT_TRUE(readQuestion(reader, question));
  EXPECT_EQ(question.name.key(), "fib.com");
  EXPECT_EQ(question.qtype, 28);
  EXPECT_EQ(question.qclass, 3);
}

TEST(Message, TruncatedQuestionFails) {
  for (std::size_t cut = 1; cut <= 4; ++cut) {
    Bytes bytes = PacketBuilder().question("fib.com", 1).bytes();
    bytes.resize(bytes.size() - cut);
    WireReader reader(bytes);
    Question question;
    EXPECT_FALSE(readQuestion(reader, question)) << "cut " << cut;
  }
}

// Parses header and question of `packet`, then the rest with readEdns.
EdnsParse ednsOf(const Bytes& packet, EdnsInfo& edns) {
  WireReader reader(packet);
  Header header;
  Question question;
  EXPECT_TRUE(readHeader(reader, header));
  EXPECT_TRUE(readQuestion(reader, question));
  return readEdns(reader, header, edns);
}

TEST(Message, NoOpt) {
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(testutil::buildQuery("a.com", 1), edns), EdnsParse::Ok);
  EXPECT_FALSE(edns.present);
}

TEST(Message, ReadsOpt) {
  // With a cookie option, as dig sends.
  const Bytes cookie{0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes packet = PacketBuilder()
                           .header(1, 0, 1, 0, 0, 1)
                           .question("a.com", 1)
                           .opt(4096, 0, true, cookie)
                           .bytes();
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(packet, edns), EdnsParse::Ok);
  EXPECT_TRUE(edns.present);
  EXPECT_EQ(edns.udp_payload, 4096);
  EXPECT_EQ(edns.version, 0);
  EXPECT_TRUE(edns.dnssec_ok);
}

TEST(Message, ReadsOptVersion) {
  const Bytes packet =
      PacketBuilder().header(1, 0, 1, 0, 0, 1).question("a.com", 1).opt(512, 1).bytes();
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(packet, edns), EdnsParse::Ok);
  EXPECT_EQ(edns.version, 1);
}

TEST(Message, OptAfterOtherAdditionalRecord) {
  const Bytes packet = PacketBuilder()
                           .header(1, 0, 1, 0, 0, 2)
                           .question("a.com", 1)
                           .name("x.a.com")
                           .u16(1)
                           .u16(1)
                           .u32(5)
                           .u16(4)
                           .u32(0x01020304)
                           .opt(1400)
                           .bytes();
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(packet, edns), EdnsParse::Ok);
  EXPECT_TRUE(edns.present);
  EXPECT_EQ(edns.udp_payload, 1400);
}

struct BadOptCase {
  std::string test_name;
  Bytes packet;
  EdnsParse want;
};

class MessageBadOpt : public ::testing::TestWithParam<BadOptCase> {};

TEST_P(MessageBadOpt, IsRejected) {
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(GetParam().packet, edns), GetParam().want);
}

Bytes truncatedOpt(std::size_t cut) {
  Bytes bytes = PacketBuilder().header(1, 0, 1, 0, 0, 1).question("a.com", 1).opt(1232).bytes();
  bytes.resize(bytes.size() - cut);
  return bytes;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MessageBadOpt,
    ::testing::Values(
        BadOptCase{"TwoOpts",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 2)
                       .question("a.com", 1)
                       .opt(1232)
                       .opt(1232)
                       .bytes(),
                   EdnsParse::MultipleOpt},
        BadOptCase{"CutInRdlength", truncatedOpt(1), EdnsParse::Malformed},
        BadOptCase{"CutInTtl", truncatedOpt(4), EdnsParse::Malformed},
        BadOptCase{"OnlyOwner", truncatedOpt(10), EdnsParse::Malformed},
        BadOptCase{"Missing", truncatedOpt(11), EdnsParse::Malformed},
        BadOptCase{"RdlengthPastEnd",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 1)
                       .question("a.com", 1)
                       .u8(0)
                       .u16(41)
                       .u16(1232)
                       .u32(0)
                       .u16(4)
                       .u16(10)
                       .bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"OptionLengthPastRdata",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 1)
                       .question("a.com", 1)
                       .opt(1232, 0, false, {0x00, 0x0A, 0x00, 0x09, 1, 2, 3, 4})
                       .bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"OptionHeaderCut",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 1)
                       .question("a.com", 1)
                       .opt(1232, 0, false, {0x00, 0x0A, 0x00})
                       .bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"OwnerNotRoot",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 1)
                       .question("a.com", 1)
                       .name("a.com")
                       .u16(41)
                       .u16(1232)
                       .u32(0)
                       .u16(0)
                       .bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"OptInAnswerSection",
                   PacketBuilder().header(1, 0, 1, 1, 0, 0).question("a.com", 1).opt(1232).bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"AnswerRecordCut",
                   PacketBuilder()
                       .header(1, 0, 1, 1, 0, 0)
                       .question("a.com", 1)
                       .name("a.com")
                       .u16(1)
                       .bytes(),
                   EdnsParse::Malformed},
        BadOptCase{"BadOwnerInAdditional",
                   PacketBuilder()
                       .header(1, 0, 1, 0, 0, 1)
                       .question("a.com", 1)
                       .u8(0xC0)
                       .u8(0xFF)
                       .u16(1)
                       .u16(1)
                       .u32(0)
                       .u16(0)
                       .bytes(),
                   EdnsParse::Malformed}),
    [](const ::testing::TestParamInfo<BadOptCase>& p) { return p.param.test_name; });

TEST(Message, TrailingBytesAfterTheLastRecordAreIgnored) {
  Bytes packet = PacketBuilder().header(1, 0, 1, 0, 0, 1).question("a.com", 1).opt(1232).bytes();
  packet.insert(packet.end(), {0xDE, 0xAD, 0xBE, 0xEF});
  EdnsInfo edns;
  EXPECT_EQ(ednsOf(packet, edns), EdnsParse::Ok);
  EXPECT_TRUE(edns.present);
}

TEST(Message, WritesOpt) {
  std::array<std::uint8_t, 16> buffer{};
  WireWriter writer(buffer);
  writeOpt(writer, 1232, 1, 0);
  const Bytes got(writer.written().begin(), writer.written().end());
  EXPECT_EQ(got, (Bytes{0, 0, 41, 0x04, 0xD0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(got.size(), kOptRecordSize);
}

}  // namespace
}  // namespace fibdns::dns
