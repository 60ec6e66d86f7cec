#include "fibdns/transfer/zone_content.h"

#include <gtest/gtest.h>

namespace fibdns::transfer {
namespace {

TEST(IsAtOrBelow, ComparesWholeLabels) {
  EXPECT_TRUE(isAtOrBelow("fib.test", "fib.test"));
  EXPECT_TRUE(isAtOrBelow("a.fib.test", "fib.test"));
  EXPECT_TRUE(isAtOrBelow("a.b.fib.test", "fib.test"));
  EXPECT_FALSE(isAtOrBelow("xfib.test", "fib.test"));
  EXPECT_FALSE(isAtOrBelow("fib.test", "a.fib.test"));
  EXPECT_FALSE(isAtOrBelow("test", "fib.test"));
  EXPECT_TRUE(isAtOrBelow("anything.example", ""));
  EXPECT_TRUE(isAtOrBelow("", ""));
}

TEST(ZoneContent, OwnsNamesBelowTheApexButNotInSubzones) {
  ZoneContent root;
  root.apex = "";
  root.subzones = {"fib.test"};
  EXPECT_TRUE(root.owns("example.com"));
  EXPECT_TRUE(root.owns("test"));
  EXPECT_FALSE(root.owns("fib.test"));
  EXPECT_FALSE(root.owns("www.fib.test"));
  EXPECT_TRUE(root.owns("xfib.test"));

  ZoneContent fib;
  fib.apex = "fib.test";
  EXPECT_TRUE(fib.owns("www.fib.test"));
  EXPECT_FALSE(fib.owns("example.com"));
}

}  // namespace
}  // namespace fibdns::transfer
