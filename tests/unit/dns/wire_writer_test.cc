#include "fibdns/dns/wire_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::dns {
namespace {

using testutil::Bytes;
using testutil::encodeName;

Bytes written(const WireWriter& writer) {
  const auto span = writer.written();
  return {span.begin(), span.end()};
}

TEST(WireWriter, WritesBigEndianFields) {
  std::array<std::uint8_t, 16> buffer{};
  WireWriter writer(buffer);
  writer.writeU8(0x01);
  writer.writeU16(0x0203);
  writer.writeU32(0x04050607);
  const std::array<std::uint8_t, 2> tail{0x08, 0x09};
  writer.writeBytes(tail);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(written(writer), (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(WireWriter, NoSpaceIsStickyAndWritesNothingPartial) {
  std::array<std::uint8_t, 3> buffer{};
  WireWriter writer(buffer);
  writer.writeU16(0xAABB);
  writer.writeU16(0xCCDD);  // needs 2, has 1
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.offset(), 2u);
  writer.writeU8(0xEE);  // would fit, but the error is sticky
  EXPECT_EQ(writer.offset(), 2u);
  EXPECT_FALSE(writer.ok());
}

TEST(WireWriter, PatchAndRollback) {
  std::array<std::uint8_t, 8> buffer{};
  WireWriter writer(buffer);
  writer.writeU16(0);
  writer.writeU16(0x1111);
  writer.patchU16(0, 0xBEEF);
  EXPECT_EQ(written(writer), (Bytes{0xBE, 0xEF, 0x11, 0x11}));
  writer.patchU16(3, 1);  // would run past what is written
  EXPECT_FALSE(writer.ok());
  writer.rollback(2);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(written(writer), (Bytes{0xBE, 0xEF}));
}

TEST(WireWriter, CompressesAgainstRecordedSuffixIgnoringCase) {
  std::array<std::uint8_t, 128> buffer{};
  WireWriter writer(buffer);
  writer.writeU16(0);  // something before, so offsets are not zero
  writer.writeName(encodeName("www.Example.COM"), NameCompression::Record);
  writer.writeName(encodeName("mail.example.com"));
  writer.writeName(encodeName("WWW.example.com"));
  writer.writeName(encodeName("other.org"));
  Bytes want{0, 0};
  const Bytes first = encodeName("www.Example.COM");
  want.insert(want.end(), first.begin(), first.end());
  want.insert(want.end(), {4, 'm', 'a', 'i', 'l', 0xC0, 6});  // -> "Example.COM" at 2 + 4
  want.insert(want.end(), {0xC0, 2});                         // the whole first name
  const Bytes other = encodeName("other.org");
  want.insert(want.end(), other.begin(), other.end());
  EXPECT_EQ(written(writer), want);
}

TEST(WireWriter, CompressesAgainstNamesThatEndInPointers) {
  std::array<std::uint8_t, 128> buffer{};
  WireWriter writer(buffer);
  writer.writeName(encodeName("example.com"), NameCompression::Record);  // at 0
  writer.writeName(encodeName("mail.example.com"));                      // 4mail C000 at 13
  writer.writeName(encodeName("mail.example.com"));                      // C00D
  const Bytes tail(writer.written().end() - 2, writer.written().end());
  EXPECT_EQ(tail, (Bytes{0xC0, 13}));
}

TEST(WireWriter, NoneModeIsNotAPointerTarget) {
  std::array<std::uint8_t, 64> buffer{};
  WireWriter writer(buffer);
  writer.writeName(encodeName("example.com"), NameCompression::None);
  writer.writeName(encodeName("example.com"));
  EXPECT_EQ(writer.offset(), 2 * encodeName("example.com").size());
}

TEST(WireWriter, RootIsOneByte) {
  std::array<std::uint8_t, 4> buffer{};
  WireWriter writer(buffer);
  writer.writeName(encodeName(""));
  EXPECT_EQ(written(writer), (Bytes{0}));
}

TEST(WireWriter, NameThatDoesNotFitWritesNothing) {
  std::array<std::uint8_t, 5> buffer{};
  WireWriter writer(buffer);
  writer.writeName(encodeName("example.com"));
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.offset(), 0u);
}

TEST(WireWriter, RollbackForgetsLaterPointerTargets) {
  std::array<std::uint8_t, 64> buffer{};
  WireWriter writer(buffer);
  writer.writeU16(0);
  writer.writeName(encodeName("example.com"), NameCompression::Record);
  writer.rollback(2);
  writer.writeU16(0xFFFF);  // overwrite where the name was
  writer.writeName(encodeName("example.com"));
  EXPECT_EQ(writer.offset(), 4 + encodeName("example.com").size());  // written in full
}

}  // namespace
}  // namespace fibdns::dns
