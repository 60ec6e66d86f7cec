#include "fibdns/common/persistent_hash_set.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace fibdns {
namespace {

struct Item {
  std::string key;
  int value = 0;
};
struct KeyOfItem {
  std::string_view operator()(const Item& item) const { return item.key; }
};
using Set = PersistentHashSet<Item, KeyOfItem>;

std::map<std::string, int> contentOf(const Set& set) {
  std::map<std::string, int> content;
  set.forEach([&](const Item& item) { EXPECT_TRUE(content.emplace(item.key, item.value).second); });
  return content;
}

TEST(PersistentHashSet, InsertsFindsReplacesAndErases) {
  Set set;
  EXPECT_EQ(set.find("a"), nullptr);
  EXPECT_TRUE(set.insertOrAssign({"a", 1}));
  EXPECT_TRUE(set.insertOrAssign({"", 2}));  // the empty key is a key like any other
  EXPECT_FALSE(set.insertOrAssign({"a", 3}));
  ASSERT_NE(set.find("a"), nullptr);
  EXPECT_EQ(set.find("a")->value, 3);
  EXPECT_EQ(set.find("")->value, 2);
  EXPECT_EQ(set.size(), 2U);
  EXPECT_TRUE(set.erase("a"));
  EXPECT_FALSE(set.erase("a"));
  EXPECT_EQ(set.find("a"), nullptr);
  EXPECT_EQ(set.size(), 1U);
  EXPECT_EQ(contentOf(set), (std::map<std::string, int>{{"", 2}}));
}

TEST(PersistentHashSet, ACopyKeepsItsContentWhileTheOriginalChanges) {
  Set original;
  for (int i = 0; i < 5000; ++i) {  // many paths sharing nodes near the root
    original.insertOrAssign({"name-" + std::to_string(i), i});
  }
  const Set copy = original;
  for (int i = 0; i < 5000; i += 2) {
    original.insertOrAssign({"name-" + std::to_string(i), -i});
  }
  for (int i = 1; i < 5000; i += 4) {
    EXPECT_TRUE(original.erase("name-" + std::to_string(i)));
  }
  original.insertOrAssign({"new", 7});

  EXPECT_EQ(copy.size(), 5000U);
  EXPECT_EQ(original.size(), 5000U - 1250U + 1U);
  for (int i = 0; i < 5000; ++i) {
    const std::string key = "name-" + std::to_string(i);
    ASSERT_NE(copy.find(key), nullptr) << key;
    EXPECT_EQ(copy.find(key)->value, i);
  }
  EXPECT_EQ(copy.find("new"), nullptr);
  EXPECT_EQ(original.find("name-2")->value, -2);
  EXPECT_EQ(original.find("name-1"), nullptr);
  EXPECT_EQ(original.find("name-3")->value, 3);
}

TEST(PersistentHashSet, TheOriginalKeepsItsContentWhileACopyChanges) {
  Set original;
  original.insertOrAssign({"kept", 1});
  Set copy = original;
  copy.insertOrAssign({"kept", 2});
  copy.insertOrAssign({"added", 3});
  EXPECT_EQ(original.find("kept")->value, 1);
  EXPECT_EQ(original.find("added"), nullptr);
  EXPECT_EQ(original.size(), 1U);
  EXPECT_EQ(copy.size(), 2U);
}

// A node shared with a copy that is gone again is the set's own: changing it in place must leave
// the copies that remain as they were.
TEST(PersistentHashSet, ChangesAfterCopiesAreDroppedLeaveTheRemainingCopiesAlone) {
  Set set;
  std::vector<Set> copies;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 300; ++i) {
      set.insertOrAssign({"k" + std::to_string(i), round});
    }
    copies.push_back(set);
  }
  copies.erase(copies.begin() + 1, copies.end() - 1);  // keep rounds 0 and 5
  for (int i = 0; i < 300; ++i) {
    set.insertOrAssign({"k" + std::to_string(i), 99});
    set.insertOrAssign({"new" + std::to_string(i), 1});
  }
  for (int i = 0; i < 300; i += 3) {
    EXPECT_TRUE(set.erase("k" + std::to_string(i)));
  }
  ASSERT_EQ(copies.size(), 2U);
  for (int i = 0; i < 300; ++i) {
    const std::string key = "k" + std::to_string(i);
    EXPECT_EQ(copies[0].find(key)->value, 0) << key;
    EXPECT_EQ(copies[1].find(key)->value, 5) << key;
  }
  EXPECT_EQ(copies[1].size(), 300U);
  EXPECT_EQ(set.size(), 600U - 100U);
}

TEST(PersistentHashSet, AMovedFromSetIsEmpty) {
  Set set;
  set.insertOrAssign({"a", 1});
  Set moved = std::move(set);
  EXPECT_EQ(moved.size(), 1U);
  EXPECT_EQ(set.size(), 0U);  // NOLINT(bugprone-use-after-move): the contract says so
  EXPECT_EQ(set.find("a"), nullptr);
}

// Random changes against a std::map model, with a copy kept after each round: every copy must
// still equal the model as it was then, whatever the later rounds changed.
TEST(PersistentHashSet, MatchesAModelAcrossManyCopies) {
  std::mt19937 random(12345);
  Set set;
  std::map<std::string, int> model;
  std::vector<std::pair<Set, std::map<std::string, int>>> copies;
  for (int round = 0; round < 40; ++round) {
    for (int step = 0; step < 500; ++step) {
      const std::string key = "k" + std::to_string(random() % 3000);
      if (random() % 3 == 0) {
        EXPECT_EQ(set.erase(key), model.erase(key) == 1) << key;
      } else {
        const int value = static_cast<int>(random() % 1000);
        EXPECT_EQ(set.insertOrAssign({key, value}), !model.contains(key)) << key;
        model[key] = value;
      }
    }
    ASSERT_EQ(set.size(), model.size());
    copies.emplace_back(set, model);
  }
  for (const auto& [copy, expected] : copies) {
    EXPECT_EQ(copy.size(), expected.size());
    EXPECT_EQ(contentOf(copy), expected);
  }
}

}  // namespace
}  // namespace fibdns
