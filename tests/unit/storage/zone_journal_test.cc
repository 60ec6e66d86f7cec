#include "fibdns/storage/zone_journal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "fibdns/storage/migrator.h"
#include "fibdns/transfer/transfer_stream.h"
#include "support/dns_packets.h"

namespace fibdns::storage {
namespace {

using transfer::ChangeSet;

dns::ARecord rec(const std::string& name, std::uint8_t last_octet, std::uint32_t ttl = 10) {
  return dns::ARecord{name, dns::Ipv4Address{{192, 0, 2, last_octet}}, ttl};
}

class ZoneJournalTest : public ::testing::Test {
 protected:
  ZoneJournalTest() : db_(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    // The real schema: the embedded migrations.
    const Result<int> version = Migrator(embeddedMigrations()).migrate(db_, ":memory:");
    EXPECT_TRUE(version.isOk()) << version.status().message();
    auto journal = ZoneJournal::open(db_);
    EXPECT_TRUE(journal.isOk()) << journal.status().message();
    if (journal.isOk()) {
      journal_.emplace(std::move(journal).value());
    }
  }

  void append(const ChangeSet& change) {
    const Status status = journal_->append(change);
    ASSERT_TRUE(status.isOk()) << status.message();
  }
  std::vector<ChangeSet> chain(std::uint32_t from, std::uint32_t to) {
    auto read = journal_->readChain(from, to);
    EXPECT_TRUE(read.isOk()) << read.status().message();
    return read.isOk() ? std::move(read).value() : std::vector<ChangeSet>{};
  }
  std::size_t size() {
    auto count = journal_->size();
    EXPECT_TRUE(count.isOk());
    return count.isOk() ? *count : 0;
  }

  SQLite::Database db_;
  std::optional<ZoneJournal> journal_;
};

TEST(ZoneJournal, OpenWithoutTheTablesIsFailedPrecondition) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  const auto journal = ZoneJournal::open(db);
  EXPECT_EQ(journal.status().code(), StatusCode::FailedPrecondition);
}

TEST_F(ZoneJournalTest, AppendedStepsReadBackAsAChain) {
  const ChangeSet first{1, 2, {}, {rec("a.fib.test", 1), rec("b.fib.test", 2)}};
  const ChangeSet second{2, 3, {rec("a.fib.test", 1)}, {rec("a.fib.test", 9, 30)}};
  append(first);
  append(second);
  EXPECT_EQ(chain(1, 3), (std::vector{first, second}));
  EXPECT_EQ(chain(2, 3), (std::vector{second}));
  EXPECT_EQ(chain(1, 2), (std::vector{first}));
}

TEST_F(ZoneJournalTest, RecordsComeBackSortedByName) {
  // The writer may report names in any order; readChain promises ChangeSet's order.
  append(ChangeSet{1, 2, {}, {rec("c.fib.test", 3), rec("a.fib.test", 1), rec("b.fib.test", 2)}});
  const auto read = chain(1, 2);
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].added,
            (std::vector{rec("a.fib.test", 1), rec("b.fib.test", 2), rec("c.fib.test", 3)}));
}

TEST_F(ZoneJournalTest, EmptyStepKeepsTheChainWhole) {
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
  append(ChangeSet{2, 3, {}, {}});
  append(ChangeSet{3, 4, {}, {rec("b.fib.test", 2)}});
  const auto read = chain(1, 4);
  ASSERT_EQ(read.size(), 3U);
  EXPECT_TRUE(read[1].removed.empty());
  EXPECT_TRUE(read[1].added.empty());
}

TEST_F(ZoneJournalTest, UnknownOrUnreachableSerialIsNotFound) {
  append(ChangeSet{1, 2, {}, {}});
  append(ChangeSet{2, 3, {}, {}});
  EXPECT_EQ(journal_->readChain(7, 3).status().code(), StatusCode::NotFound);
  EXPECT_EQ(journal_->readChain(1, 9).status().code(), StatusCode::NotFound);
  EXPECT_EQ(journal_->readChain(1, 3, 1).status().code(), StatusCode::NotFound);  // max_steps
}

TEST_F(ZoneJournalTest, HoleInTheSerialsIsNotFound) {
  append(ChangeSet{1, 2, {}, {}});
  append(ChangeSet{5, 6, {}, {}});  // steps 2 -> 5 missing
  EXPECT_EQ(journal_->readChain(1, 6).status().code(), StatusCode::NotFound);
}

TEST_F(ZoneJournalTest, PruneKeepsTheNewestSteps) {
  for (std::uint32_t serial = 1; serial <= 10; ++serial) {
    append(ChangeSet{serial, serial + 1, {}, {rec("n" + std::to_string(serial) + ".fib.test", 1)}});
  }
  auto pruned = journal_->prune(4);
  ASSERT_TRUE(pruned.isOk()) << pruned.status().message();
  EXPECT_EQ(*pruned, 6U);
  EXPECT_EQ(size(), 4U);
  EXPECT_EQ(journal_->readChain(6, 11).status().code(), StatusCode::NotFound);  // pruned
  EXPECT_EQ(chain(7, 11).size(), 4U);
  // The records of pruned steps went with them (they live in their step's row).
  SQLite::Statement rows(db_, "SELECT COUNT(*), MIN(name) FROM zone_journal");
  ASSERT_TRUE(rows.executeStep());
  EXPECT_EQ(rows.getColumn(0).getInt(), 4);
  EXPECT_EQ(rows.getColumn(1).getString(), "n10.fib.test");
  pruned = journal_->prune(4);
  ASSERT_TRUE(pruned.isOk());
  EXPECT_EQ(*pruned, 0U);
  pruned = journal_->prune(0);
  ASSERT_TRUE(pruned.isOk());
  EXPECT_EQ(size(), 0U);
}

TEST_F(ZoneJournalTest, ChainAcrossTheSerialWrap) {
  append(ChangeSet{4294967294U, 4294967295U, {}, {rec("a.fib.test", 1)}});
  append(ChangeSet{4294967295U, 1, {}, {rec("b.fib.test", 2)}});
  append(ChangeSet{1, 2, {}, {rec("c.fib.test", 3)}});
  const auto read = chain(4294967294U, 2);
  ASSERT_EQ(read.size(), 3U);
  EXPECT_EQ(read[1].serial_from, 4294967295U);
  EXPECT_EQ(read[1].serial_to, 1U);
}

TEST_F(ZoneJournalTest, CallerRollbackLeavesNoTrace) {
  {
    SQLite::Transaction transaction(db_);
    append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
    // No commit: the writer's failed group commit rolls the journal back with the records.
  }
  EXPECT_EQ(size(), 0U);
  {
    SQLite::Transaction transaction(db_);
    append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
    transaction.commit();
  }
  EXPECT_EQ(size(), 1U);
}

TEST_F(ZoneJournalTest, ReadLeavesNoTransactionOpen) {
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
  ASSERT_EQ(chain(1, 2).size(), 1U);
  EXPECT_EQ(journal_->readChain(5, 6).status().code(), StatusCode::NotFound);
  // BEGIN fails inside an open transaction: the read's snapshot was released.
  EXPECT_NO_THROW(db_.exec("BEGIN"));
  EXPECT_NO_THROW(db_.exec("COMMIT"));
}

TEST_F(ZoneJournalTest, ReadNestsInTheCallersTransaction) {
  SQLite::Transaction transaction(db_);
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
  EXPECT_EQ(chain(1, 2).size(), 1U);  // sees its own uncommitted step
  transaction.commit();
  EXPECT_EQ(size(), 1U);
}

TEST_F(ZoneJournalTest, JournalViewShowsRemovedAndAddedRows) {
  append(ChangeSet{1, 2, {rec("a.fib.test", 1)}, {rec("a.fib.test", 2)}});
  SQLite::Statement view(
      db_, "SELECT serial_from, serial_to, action, name, type, value, ttl FROM zone_journal");
  ASSERT_TRUE(view.executeStep());
  EXPECT_EQ(view.getColumn(2).getString(), "removed");
  EXPECT_EQ(view.getColumn(5).getString(), "192.0.2.1");
  ASSERT_TRUE(view.executeStep());
  EXPECT_EQ(view.getColumn(0).getInt64(), 1);
  EXPECT_EQ(view.getColumn(1).getInt64(), 2);
  EXPECT_EQ(view.getColumn(2).getString(), "added");
  EXPECT_EQ(view.getColumn(3).getString(), "a.fib.test");
  EXPECT_EQ(view.getColumn(4).getString(), "A");
  EXPECT_EQ(view.getColumn(5).getString(), "192.0.2.2");
  EXPECT_EQ(view.getColumn(6).getInt64(), 10);
  EXPECT_FALSE(view.executeStep());
}

TEST_F(ZoneJournalTest, HandEditedBadRowIsInternalNotAWrongAnswer) {
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
  for (const char* records : {
           R"([["added","a.fib.test","A","not-an-ip",10]])",
           R"([["added","a.fib.test","A","192.0.2.1","10"]])",  // a TTL as text
           R"([["added","a.fib.test","A","192.0.2.1",-1]])",
           R"([["added","","A","192.0.2.1",10]])",
           R"([["kept","a.fib.test","A","192.0.2.1",10]])",
           R"([["added","a.fib.test","A"]])",
           R"({"added":"a.fib.test"})",
           "not json",
           // JSON shapes ->> reads without complaint: each was a wrong answer, not Internal.
           R"([["added","a.fib.test","A","192.0.2.1",true]])",  // ->> gives 1
           R"([["added","a.fib.test","A","192.0.2.1",10,"extra"]])",
           R"([["added","a.fib.test"]])",  // no type: was skipped as "not A"
           R"([["added","a.fib.test","A","192.0.2.1",10],null])",
           R"([["added","a.fib.test","A","192.0.2.1",10],)"
           R"(["added","a.fib.test","A","192.0.2.2",10]])",  // a name twice: the key is gone
           R"([["added","A.FIB.TEST","A","192.0.2.1",10]])",
           R"([["added","a.fib.test.","A","192.0.2.1",10]])",
           R"([["added",["a.fib.test"],"A","192.0.2.1",10]])",
           R"({"x":["added","a.fib.test","A","192.0.2.1",10]})",
           "null",
       }) {
    SQLite::Statement edit(db_, "UPDATE zone_changes SET records = ?");
    edit.bind(1, records);
    edit.exec();
    EXPECT_EQ(journal_->readChain(1, 2).status().code(), StatusCode::Internal) << records;
  }
}

// A well-formed record of another type (a journal written by a later version) is not served by
// IXFR yet: skipped, the rest of the step still read.
TEST_F(ZoneJournalTest, AWellFormedRecordOfAnotherTypeIsSkipped) {
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1)}});
  db_.exec(R"(UPDATE zone_changes SET records =
      '[["added","a.fib.test","AAAA","2001:db8::1",10],["added","a.fib.test","A","192.0.2.1",10]]')");
  const std::vector<ChangeSet> read = chain(1, 2);
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].added, (std::vector<dns::ARecord>{rec("a.fib.test", 1)}));
}

// A large step (an UPDATE or a big group commit) in one row: every record comes back, by name.
TEST_F(ZoneJournalTest, AStepOfTenThousandRecordsReadsBackWhole) {
  ChangeSet big{1, 2, {}, {}};
  for (int i = 0; i < 10000; ++i) {
    big.added.push_back(rec("n" + std::to_string(i) + ".fib.test", static_cast<std::uint8_t>(i)));
  }
  append(big);
  std::sort(big.added.begin(), big.added.end(),
            [](const dns::ARecord& a, const dns::ARecord& b) { return a.name < b.name; });
  const std::vector<ChangeSet> read = chain(1, 2);
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].added, big.added);
}

// A journal written before migration 0004 (a zone_change_records row per record) reads the same
// afterwards, and the view still shows a row per record.
TEST(ZoneJournal, MigrationKeepsAJournalWrittenARowPerRecord) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  ASSERT_TRUE(Migrator(embeddedMigrations().first(3)).migrate(db, ":memory:").isOk());
  db.exec(
      "INSERT INTO zone_changes (id, serial_from, serial_to) VALUES (7, 1, 2), (8, 2, 3);"
      "INSERT INTO zone_change_records (change_id, action, name, type, value, ttl) VALUES"
      " (7, 'added', 'b.fib.test', 'A', '192.0.2.2', 20),"
      " (7, 'added', 'a.fib.test', 'A', '192.0.2.1', 10),"
      " (8, 'removed', 'a.fib.test', 'A', '192.0.2.1', 10);");
  const Result<int> version = Migrator(embeddedMigrations()).migrate(db, ":memory:");
  ASSERT_TRUE(version.isOk()) << version.status().message();
  EXPECT_FALSE(db.tableExists("zone_change_records"));

  auto journal = ZoneJournal::open(db);
  ASSERT_TRUE(journal.isOk()) << journal.status().message();
  auto read = journal->readChain(1, 3);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  ASSERT_EQ(read->size(), 2U);
  EXPECT_EQ((*read)[0].added,
            (std::vector<dns::ARecord>{rec("a.fib.test", 1), rec("b.fib.test", 2, 20)}));
  EXPECT_TRUE((*read)[0].removed.empty());
  EXPECT_EQ((*read)[1].removed, (std::vector<dns::ARecord>{rec("a.fib.test", 1)}));
  EXPECT_TRUE((*read)[1].added.empty());
  EXPECT_EQ(
      db.execAndGet("SELECT group_concat(id || ' ' || action || ' ' || name || ' ' || ttl, ', ')"
                    " FROM zone_journal")
          .getString(),
      "7 added a.fib.test 10, 7 added b.fib.test 20, 8 removed a.fib.test 10");
}

TEST_F(ZoneJournalTest, StoresAStepsRecordsAsOneJsonArrayInItsRow) {
  append(ChangeSet{1, 2, {rec("a.fib.test", 1)}, {rec("a.fib.test", 2), rec("b.fib.test", 3, 60)}});
  EXPECT_EQ(
      db_.execAndGet("SELECT records FROM zone_changes").getString(),
      R"([["removed","a.fib.test","A","192.0.2.1",10],)"
      R"(["added","a.fib.test","A","192.0.2.2",10],["added","b.fib.test","A","192.0.2.3",60]])");
}

TEST_F(ZoneJournalTest, AppendRejectsARecordTheStoreCouldNotHold) {
  EXPECT_EQ(journal_->append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1, 0x80000000U)}}).code(),
            StatusCode::Internal);  // TTL above RFC 2181's limit
  EXPECT_EQ(journal_->append(ChangeSet{1, 2, {}, {rec("", 1)}}).code(), StatusCode::Internal);
  // What readChain would refuse is not written in the first place.
  EXPECT_EQ(journal_->append(ChangeSet{1, 2, {}, {rec("A.fib.test", 1)}}).code(),
            StatusCode::Internal);
  EXPECT_EQ(journal_->append(ChangeSet{1, 2, {rec("a.fib.test.", 1)}, {}}).code(),
            StatusCode::Internal);
  EXPECT_EQ(size(), 0U);
}

// The journal feeding an IXFR answer, end to end, checked by the independent packet parser.
TEST_F(ZoneJournalTest, ChainFromTheJournalAnswersAnIxfr) {
  append(ChangeSet{1, 2, {}, {rec("a.fib.test", 1), rec("www.other.test", 5)}});
  append(ChangeSet{2, 3, {rec("a.fib.test", 1)}, {rec("a.fib.test", 7)}});
  const auto query = transfer::parseTransferQuery(testutil::buildIxfrQuery("fib.test", 1));
  ASSERT_TRUE(query.has_value());
  transfer::TransferPlan plan = transfer::planTransfer(*query, transfer::Transport::Tcp, 3);
  ASSERT_TRUE(plan.needsJournal());
  auto read = journal_->readChain(*query->client_serial, 3);
  ASSERT_TRUE(read.isOk());
  transfer::ZoneContent zone;
  zone.apex = "fib.test";
  zone.apex_records.serial = 3;
  auto stream =
      transfer::TransferStream::create(*query, plan, std::move(zone), std::move(read).value(), {});
  ASSERT_TRUE(stream.isOk()) << stream.status().message();
  std::vector<std::uint8_t> out;
  auto more = stream->next(out);
  ASSERT_TRUE(more.isOk() && *more);
  const auto reply = testutil::parseResponse(out);
  ASSERT_TRUE(reply.has_value());
  std::vector<std::string> seen;
  for (const auto& r : reply->answers) {
    seen.push_back(r.type == 6 ? "SOA " + std::to_string(r.serial) : r.name + " " + r.address);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"SOA 3", "SOA 1", "SOA 2", "a.fib.test 192.0.2.1",
                                            "SOA 2", "a.fib.test 192.0.2.1", "SOA 3",
                                            "a.fib.test 192.0.2.7", "SOA 3"}));
}

}  // namespace
}  // namespace fibdns::storage
