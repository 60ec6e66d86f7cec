#include "fibdns/transfer/change_set.h"

#include <gtest/gtest.h>

#include <vector>

namespace fibdns::transfer {
namespace {

dns::ARecord rec(const std::string& name, std::uint8_t last_octet, std::uint32_t ttl = 10) {
  return dns::ARecord{name, dns::Ipv4Address{{10, 0, 0, last_octet}}, ttl};
}

class ChangeSetBuilderTest : public ::testing::Test {
 protected:
  ChangeSetBuilder builder_;
};

TEST_F(ChangeSetBuilderTest, NewNameIsOneAddition) {
  builder_.upsert(std::nullopt, rec("a.fib.test", 1));
  const ChangeSet change = builder_.finish(4, 5);
  EXPECT_EQ(change.serial_from, 4U);
  EXPECT_EQ(change.serial_to, 5U);
  EXPECT_TRUE(change.removed.empty());
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 1)});
  EXPECT_TRUE(builder_.empty());
}

TEST_F(ChangeSetBuilderTest, ReplacementIsRemovalOfOldAndAdditionOfNew) {
  builder_.upsert(rec("a.fib.test", 1), rec("a.fib.test", 2));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 1)});
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 2)});
}

TEST_F(ChangeSetBuilderTest, NameAddedThenRemovedVanishes) {
  builder_.upsert(std::nullopt, rec("gone.fib.test", 1));
  builder_.erase(rec("gone.fib.test", 1));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_TRUE(change.removed.empty());
  EXPECT_TRUE(change.added.empty());
}

TEST_F(ChangeSetBuilderTest, NameReplacedTwiceKeepsOriginalAndFinal) {
  builder_.upsert(rec("a.fib.test", 1), rec("a.fib.test", 2));
  builder_.upsert(rec("a.fib.test", 2), rec("a.fib.test", 3));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 1)});
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 3)});
}

TEST_F(ChangeSetBuilderTest, GroupCommitMayReportTheSnapshotsStaleRecordEachTime) {
  // A batch registers the name twice; the writer passes its published snapshot's record (the
  // state before the batch) as `previous` both times.
  const auto snapshot = rec("a.fib.test", 1);
  builder_.upsert(snapshot, rec("a.fib.test", 2));
  builder_.upsert(snapshot, rec("a.fib.test", 3));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 1)});
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 3)});
}

TEST_F(ChangeSetBuilderTest, NameChangedAndChangedBackIsNoChange) {
  builder_.upsert(rec("a.fib.test", 1), rec("a.fib.test", 2));
  builder_.upsert(rec("a.fib.test", 2), rec("a.fib.test", 1));
  EXPECT_EQ(builder_.finish(1, 2), (ChangeSet{1, 2, {}, {}}));
}

TEST_F(ChangeSetBuilderTest, TtlChangeAloneIsAChange) {
  builder_.upsert(rec("a.fib.test", 1, 10), rec("a.fib.test", 1, 20));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 1, 10)});
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 1, 20)});
}

TEST_F(ChangeSetBuilderTest, ReRegistrationWithSameValueIsNoChange) {
  builder_.upsert(rec("a.fib.test", 1), rec("a.fib.test", 1));
  EXPECT_EQ(builder_.finish(1, 2), (ChangeSet{1, 2, {}, {}}));
}

TEST_F(ChangeSetBuilderTest, ExistingNameRemovedThenAddedAgainIsAReplacement) {
  builder_.erase(rec("a.fib.test", 1));
  builder_.upsert(std::nullopt, rec("a.fib.test", 9));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 1)});
  EXPECT_EQ(change.added, std::vector{rec("a.fib.test", 9)});
}

TEST_F(ChangeSetBuilderTest, OutputIsSortedByNameWhateverTheInputOrder) {
  builder_.upsert(std::nullopt, rec("c.fib.test", 3));
  builder_.upsert(rec("a.fib.test", 0), rec("a.fib.test", 1));
  builder_.upsert(std::nullopt, rec("b.fib.test", 2));
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.added,
            (std::vector{rec("a.fib.test", 1), rec("b.fib.test", 2), rec("c.fib.test", 3)}));
  EXPECT_EQ(change.removed, std::vector{rec("a.fib.test", 0)});
}

TEST_F(ChangeSetBuilderTest, InterleavedNamesEachKeepTheirFirstBeforeAndLastAfter) {
  // Reports of several names in turn, each name changed more than once: the first report of a
  // name gives its "before" and its last report its "after", whatever came between.
  builder_.upsert(rec("b.fib.test", 1), rec("b.fib.test", 2));
  builder_.upsert(std::nullopt, rec("a.fib.test", 5));
  builder_.upsert(rec("b.fib.test", 7), rec("b.fib.test", 3));  // a stale previous: ignored
  builder_.erase(rec("a.fib.test", 5));
  builder_.upsert(std::nullopt, rec("c.fib.test", 9));
  builder_.upsert(rec("b.fib.test", 3), rec("b.fib.test", 4));
  const ChangeSet change = builder_.finish(7, 8);
  EXPECT_EQ(change.removed, std::vector{rec("b.fib.test", 1)});
  EXPECT_EQ(change.added, (std::vector{rec("b.fib.test", 4), rec("c.fib.test", 9)}));
  EXPECT_TRUE(builder_.empty());
  // The builder is reusable after finish().
  builder_.upsert(std::nullopt, rec("d.fib.test", 1));
  EXPECT_EQ(builder_.finish(8, 9).added, std::vector{rec("d.fib.test", 1)});
}

TEST_F(ChangeSetBuilderTest, ManyInterleavedReportsKeepEachNamesOrder) {
  // Enough reports that a sort which is not stable would reorder a name's reports (small ranges
  // are insertion-sorted, which happens to be stable): 4 names, 10 changes each, in turn.
  for (std::uint8_t step = 1; step <= 10; ++step) {
    for (const char* name : {"d.fib.test", "b.fib.test", "c.fib.test", "a.fib.test"}) {
      builder_.upsert(rec(name, static_cast<std::uint8_t>(step - 1)), rec(name, step));
    }
  }
  const ChangeSet change = builder_.finish(1, 2);
  EXPECT_EQ(change.removed, (std::vector{rec("a.fib.test", 0), rec("b.fib.test", 0),
                                         rec("c.fib.test", 0), rec("d.fib.test", 0)}));
  EXPECT_EQ(change.added, (std::vector{rec("a.fib.test", 10), rec("b.fib.test", 10),
                                       rec("c.fib.test", 10), rec("d.fib.test", 10)}));
}

TEST(Condense, ChainOfStepsBecomesOneDifference) {
  const std::vector<ChangeSet> chain{
      // 1 -> 2: a added, b replaced
      ChangeSet{1, 2, {rec("b.fib.test", 1)}, {rec("a.fib.test", 1), rec("b.fib.test", 2)}},
      // 2 -> 3: a removed again, c added, b replaced once more
      ChangeSet{2,
                3,
                {rec("a.fib.test", 1), rec("b.fib.test", 2)},
                {rec("b.fib.test", 3), rec("c.fib.test", 1)}},
      // 3 -> 4: nothing visible
      ChangeSet{3, 4, {}, {}},
  };
  const auto condensed = condense(chain);
  ASSERT_TRUE(condensed.isOk()) << condensed.status().message();
  EXPECT_EQ(condensed->serial_from, 1U);
  EXPECT_EQ(condensed->serial_to, 4U);
  EXPECT_EQ(condensed->removed, std::vector{rec("b.fib.test", 1)});
  EXPECT_EQ(condensed->added, (std::vector{rec("b.fib.test", 3), rec("c.fib.test", 1)}));
}

TEST(Condense, RejectsEmptyAndBrokenChains) {
  EXPECT_EQ(condense({}).status().code(), StatusCode::InvalidArgument);
  const std::vector<ChangeSet> holed{ChangeSet{1, 2, {}, {}}, ChangeSet{3, 4, {}, {}}};
  EXPECT_EQ(condense(holed).status().code(), StatusCode::InvalidArgument);
}

TEST(IsChain, ChecksEndsAndLinks) {
  const std::vector<ChangeSet> chain{ChangeSet{4294967295U, 1, {}, {}}, ChangeSet{1, 2, {}, {}}};
  EXPECT_TRUE(isChain(chain, 4294967295U, 2));
  EXPECT_FALSE(isChain(chain, 1, 2));
  EXPECT_FALSE(isChain(chain, 4294967295U, 1));
  EXPECT_FALSE(isChain({}, 1, 1));
}

}  // namespace
}  // namespace fibdns::transfer
