#include "fibdns/transfer/serial.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>

namespace fibdns::transfer {
namespace {

struct CompareCase {
  const char* name;
  std::uint32_t a;
  std::uint32_t b;
  SerialOrder want;
};

class CompareSerialsTest : public ::testing::TestWithParam<CompareCase> {};

TEST_P(CompareSerialsTest, FollowsRfc1982) {
  const CompareCase& c = GetParam();
  EXPECT_EQ(compareSerials(c.a, c.b), c.want) << c.name;
}

// RFC 1982 §3.2 and its §5.2 examples with SERIAL_BITS = 32.
INSTANTIATE_TEST_SUITE_P(
    Rfc1982, CompareSerialsTest,
    ::testing::Values(
        CompareCase{"equal", 7, 7, SerialOrder::Equal},
        CompareCase{"plain less", 1, 2, SerialOrder::Less},
        CompareCase{"plain greater", 2, 1, SerialOrder::Greater},
        CompareCase{"zero is less than one", 0, 1, SerialOrder::Less},
        CompareCase{"max is less than 1 (wrap)", 4294967295U, 1, SerialOrder::Less},
        CompareCase{"1 is greater than max (wrap)", 1, 4294967295U, SerialOrder::Greater},
        CompareCase{"max is less than 0 (wrap)", 4294967295U, 0, SerialOrder::Less},
        CompareCase{"2^31 - 1 ahead is greater", 0x7FFFFFFFU, 0, SerialOrder::Greater},
        CompareCase{"2^31 + 1 ahead is less", 0x80000001U, 0, SerialOrder::Less},
        CompareCase{"exactly 2^31 apart is undefined", 0x80000000U, 0, SerialOrder::Undefined},
        CompareCase{"exactly 2^31 apart, other way", 0, 0x80000000U, SerialOrder::Undefined},
        CompareCase{"large values near each other", 3000000000U, 3000000001U, SerialOrder::Less}),
    [](const ::testing::TestParamInfo<CompareCase>& param_info) {
      std::string name = param_info.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) {
          ch = '_';
        }
      }
      return name;
    });

TEST(SerialArithmetic, SerialOlderIsStrict) {
  EXPECT_TRUE(serialOlder(4294967295U, 2));
  EXPECT_FALSE(serialOlder(2, 2));
  EXPECT_FALSE(serialOlder(0x80000000U, 0));  // undefined is not "older"
  EXPECT_FALSE(serialOlder(0, 0x80000000U));
}

TEST(SerialArithmetic, AddWrapsModulo2To32) {
  EXPECT_EQ(addToSerial(10, 5), 15U);
  EXPECT_EQ(addToSerial(4294967290U, 10), 4U);
  EXPECT_EQ(addToSerial(0, kMaxSerialIncrement), 0x7FFFFFFFU);
}

TEST(SerialArithmetic, AddedSerialIsGreaterForEveryAllowedIncrement) {
  for (const std::uint32_t start : {0U, 1U, 0x7FFFFFFFU, 0x80000000U, 4294967295U}) {
    for (const std::uint32_t increment : {1U, 2U, 1000U, kMaxSerialIncrement}) {
      EXPECT_EQ(compareSerials(addToSerial(start, increment), start), SerialOrder::Greater)
          << start << " + " << increment;
    }
  }
}

TEST(SerialArithmetic, IncrementBeyondTheRfcLimitLeavesTheSerial) {
  EXPECT_EQ(addToSerial(42, 0x80000000U), 42U);
  EXPECT_EQ(addToSerial(42, 0xFFFFFFFFU), 42U);
}

TEST(SerialArithmetic, NextSerialSkipsZeroAndStaysNewer) {
  EXPECT_EQ(nextSerial(1), 2U);
  EXPECT_EQ(nextSerial(4294967294U), 4294967295U);
  EXPECT_EQ(nextSerial(4294967295U), 1U);
  EXPECT_EQ(compareSerials(nextSerial(4294967295U), 4294967295U), SerialOrder::Greater);
}

}  // namespace
}  // namespace fibdns::transfer
