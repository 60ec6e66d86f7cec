#include "fibdns/authority/record_cache.h"

#include <gtest/gtest.h>

namespace fibdns::authority {
namespace {

dns::ARecord record(std::string name, std::uint8_t last_octet) {
  return {std::move(name), dns::Ipv4Address{{192, 0, 2, last_octet}}, 60};
}

TEST(RecordCache, FindsWhatWasPut) {
  RecordCache cache;
  cache.put(record("a.example", 1));
  ASSERT_NE(cache.find("a.example"), nullptr);
  EXPECT_EQ(cache.find("a.example")->address.octets[3], 1);
  EXPECT_EQ(cache.find("b.example"), nullptr);
}

TEST(RecordCache, PutReplacesTheRecordOfAName) {
  RecordCache cache;
  cache.put(record("a.example", 1));
  cache.put(record("a.example", 2));
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_EQ(cache.find("a.example")->address.octets[3], 2);
}

TEST(RecordCache, TracksEmptyNonTerminals) {
  RecordCache cache;
  cache.put(record("x.a.b.example", 1));
  EXPECT_TRUE(cache.hasNamesBelow("a.b.example"));
  EXPECT_TRUE(cache.hasNamesBelow("b.example"));
  EXPECT_TRUE(cache.hasNamesBelow("example"));
  EXPECT_TRUE(cache.hasNamesBelow(""));
  EXPECT_FALSE(cache.hasNamesBelow("x.a.b.example"));
  EXPECT_FALSE(cache.hasNamesBelow("c.example"));
}

TEST(RecordCache, EraseForgetsAncestorsOnlyWhenTheLastNameBelowGoes) {
  RecordCache cache;
  cache.put(record("x.b.example", 1));
  cache.put(record("y.b.example", 2));
  cache.put(record("y.b.example", 3));  // a replacement must not count twice
  EXPECT_TRUE(cache.erase("x.b.example"));
  EXPECT_TRUE(cache.hasNamesBelow("b.example"));
  EXPECT_TRUE(cache.erase("y.b.example"));
  EXPECT_FALSE(cache.hasNamesBelow("b.example"));
  EXPECT_FALSE(cache.hasNamesBelow(""));
  EXPECT_FALSE(cache.erase("y.b.example"));
}

TEST(RecordCache, ReplaceAllDropsThePreviousContent) {
  RecordCache cache;
  cache.put(record("old.example", 1));
  cache.replaceAll({record("new.example", 2)});
  EXPECT_EQ(cache.find("old.example"), nullptr);
  EXPECT_FALSE(cache.hasNamesBelow("old.example"));
  EXPECT_NE(cache.find("new.example"), nullptr);
}

}  // namespace
}  // namespace fibdns::authority
