#include "fibdns/dns/record.h"

#include <gtest/gtest.h>

#include "fibdns/dns/message.h"
#include "support/dns_packets.h"

namespace fibdns::dns {
namespace {

using testutil::Bytes;
using testutil::PacketBuilder;

TEST(ReadRecord, ReadsFieldsAndLocatesTheRdata) {
  // Header, question, then an answer whose owner points at the question name.
  const Bytes message = PacketBuilder()
                            .header(1, 0x8000, 1, 1)
                            .question("Fib.com", 1)
                            .raw({0xC0, 12})
                            .u16(1)
                            .u16(1)
                            .u32(300)
                            .u16(4)
                            .u32(0x0A000001)
                            .bytes();
  WireReader reader(message);
  Header header;
  ASSERT_TRUE(readHeader(reader, header));
  ASSERT_TRUE(skipQuestions(reader, header.qdcount));
  const std::size_t start = reader.offset();
  RecordView record;
  ASSERT_TRUE(readRecord(reader, record));
  EXPECT_EQ(record.offset, start);
  EXPECT_EQ(record.owner.key(), "fib.com");
  EXPECT_EQ(record.type, 1);
  EXPECT_EQ(record.rrclass, 1);
  EXPECT_EQ(record.ttl, 300u);
  EXPECT_EQ(record.rdata_offset, message.size() - 4);
  EXPECT_EQ(Bytes(record.rdata.begin(), record.rdata.end()), (Bytes{10, 0, 0, 1}));
  EXPECT_EQ(reader.remaining(), 0u);
}

TEST(ReadRecord, CutShortFailsAtEveryByte) {
  const Bytes whole =
      PacketBuilder().name("a.example").u16(1).u16(1).u32(60).u16(4).u32(0x01020304).bytes();
  for (std::size_t size = 0; size < whole.size(); ++size) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    WireReader reader(cut);
    RecordView record;
    EXPECT_FALSE(readRecord(reader, record)) << size;
    EXPECT_FALSE(reader.ok());
  }
}

TEST(SkipQuestions, FailsOnAMalformedQuestion) {
  const Bytes two = PacketBuilder().question("a.com", 1).question("b.com", 28).bytes();
  WireReader reader(two);
  ASSERT_TRUE(skipQuestions(reader, 2));
  EXPECT_EQ(reader.remaining(), 0u);
  WireReader three(two);
  EXPECT_FALSE(skipQuestions(three, 3));
}

}  // namespace
}  // namespace fibdns::dns
