#include "fibdns/dns/wire_reader.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace fibdns::dns {
namespace {

TEST(WireReader, ReadsBigEndianFields) {
  const std::array<std::uint8_t, 7> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  WireReader reader(bytes);
  EXPECT_EQ(reader.readU8(), 0x01);
  EXPECT_EQ(reader.readU16(), 0x0203);
  EXPECT_EQ(reader.readU32(), 0x04050607u);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_EQ(reader.offset(), 7u);
}

TEST(WireReader, OverrunIsStickyAndReadsZero) {
  const std::array<std::uint8_t, 3> bytes{0xAA, 0xBB, 0xCC};
  WireReader reader(bytes);
  EXPECT_EQ(reader.readU16(), 0xAABB);
  EXPECT_EQ(reader.readU16(), 0);  // one byte left: overrun
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.offset(), 2u);  // the failed read did not move the cursor
  EXPECT_EQ(reader.readU8(), 0);   // would fit, but the error is sticky
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.offset(), 2u);
}

TEST(WireReader, ReadU32OverrunReturnsZero) {
  const std::array<std::uint8_t, 3> bytes{0xAA, 0xBB, 0xCC};
  WireReader reader(bytes);
  EXPECT_EQ(reader.readU32(), 0u);
  EXPECT_FALSE(reader.ok());
}

TEST(WireReader, ReadBytesAndSkipCheckRemaining) {
  const std::array<std::uint8_t, 4> bytes{1, 2, 3, 4};
  WireReader reader(bytes);
  const auto two = reader.readBytes(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1], 2);
  reader.skip(2);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.readBytes(0).empty());
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.readBytes(1).empty());
  EXPECT_FALSE(reader.ok());

  WireReader huge(bytes);
  huge.skip(SIZE_MAX);  // no wrap-around: length checks subtract
  EXPECT_FALSE(huge.ok());
}

TEST(WireReader, SeekWithinAndPastTheEnd) {
  const std::array<std::uint8_t, 4> bytes{1, 2, 3, 4};
  WireReader reader(bytes);
  reader.seek(3);
  EXPECT_EQ(reader.readU8(), 4);
  reader.seek(4);
  EXPECT_TRUE(reader.ok());
  reader.seek(5);
  EXPECT_FALSE(reader.ok());
}

TEST(WireReader, EmptyInput) {
  WireReader reader(std::span<const std::uint8_t>{});
  EXPECT_EQ(reader.readU8(), 0);
  EXPECT_FALSE(reader.ok());
}

}  // namespace
}  // namespace fibdns::dns
