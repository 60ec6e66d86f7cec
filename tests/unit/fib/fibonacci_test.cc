#include "fibdns/fib/fibonacci.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace fibdns::fib {
namespace {

TEST(Fibonacci, SmallValues) {
  EXPECT_EQ(fibonacci(0), "0");
  EXPECT_EQ(fibonacci(1), "1");
  EXPECT_EQ(fibonacci(2), "1");
  EXPECT_EQ(fibonacci(3), "2");
  EXPECT_EQ(fibonacci(10), "55");
}

TEST(Fibonacci, LargerThan64Bits) {
  EXPECT_EQ(fibonacci(90), "2880067194370816120");
  EXPECT_EQ(fibonacci(93), "12200160415121876738");  // largest that fits uint64
  EXPECT_EQ(fibonacci(100), "354224848179261915075");
}

TEST(Fibonacci, Thousand) {
  const std::string value = fibonacci(1000);
  EXPECT_EQ(value.size(), 209U);
  EXPECT_EQ(value.substr(0, 10), "4346655768");
  EXPECT_EQ(value.substr(value.size() - 10), "6849228875");
  EXPECT_TRUE(std::all_of(value.begin(), value.end(),
                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }));
}

TEST(Fibonacci, DigitCountAtDefaultLimit) {
  // F(n) digit counts grow by log10(phi) ~ 0.20899 per step: F(100000) has 20899 digits.
  EXPECT_EQ(fibonacci(100000).size(), 20899U);
}

}  // namespace
}  // namespace fibdns::fib
