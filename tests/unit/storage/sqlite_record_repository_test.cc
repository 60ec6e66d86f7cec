#include "fibdns/storage/sqlite_record_repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "fibdns/dns/ipv4.h"
#include "support/temp_dir.h"

namespace fibdns::storage {
namespace {

using fibdns::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

dns::ARecord aRecord(std::string name, std::string_view address, std::uint32_t ttl) {
  Result<dns::Ipv4Address> parsed = dns::parseIpv4(address);
  EXPECT_TRUE(parsed.isOk()) << address;
  return dns::ARecord{std::move(name), parsed.isOk() ? *parsed : dns::Ipv4Address{}, ttl};
}

std::unique_ptr<SqliteRecordRepository> openOrFail(
    const std::string& path, const SqliteRecordRepositoryOptions& options = {}) {
  Result<std::unique_ptr<SqliteRecordRepository>> repository =
      SqliteRecordRepository::open(path, options);
  EXPECT_TRUE(repository.isOk()) << repository.status().message();
  return repository.isOk() ? std::move(*repository) : nullptr;
}

std::unique_ptr<SqliteRecordRepository> openMemory() { return openOrFail(":memory:"); }

std::uint32_t serialOf(const SqliteRecordRepository& repository) {
  Result<std::uint32_t> serial = repository.changeSerial();
  EXPECT_TRUE(serial.isOk()) << serial.status().message();
  return serial.isOk() ? *serial : 0;
}

std::vector<dns::ARecord> listOf(const SqliteRecordRepository& repository) {
  Result<authority::LoadedRecords> loaded = repository.loadAll();
  EXPECT_TRUE(loaded.isOk()) << loaded.status().message();
  if (!loaded.isOk()) {
    return {};
  }
  EXPECT_THAT(loaded->skipped, ::testing::IsEmpty());
  return loaded->records;
}

TEST(SqliteRecordRepository, UpsertThenFindReturnsTheRecord) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  const dns::ARecord record = aRecord("www.example.com", "192.0.2.1", 300);

  ASSERT_TRUE(repository->upsert(record).isOk());

  Result<std::optional<dns::ARecord>> found =
      repository->find("www.example.com", dns::RecordType::A);
  ASSERT_TRUE(found.isOk()) << found.status().message();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, record);
}

TEST(SqliteRecordRepository, UpsertReplacesAddressAndTtl) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("www.example.com", "192.0.2.1", 300)).isOk());

  ASSERT_TRUE(repository->upsert(aRecord("www.example.com", "198.51.100.7", 60)).isOk());

  Result<std::optional<dns::ARecord>> found =
      repository->find("www.example.com", dns::RecordType::A);
  ASSERT_TRUE(found.isOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, aRecord("www.example.com", "198.51.100.7", 60));
  EXPECT_EQ(listOf(*repository).size(), 1U);
}

TEST(SqliteRecordRepository, FindOfMissingNameIsEmpty) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());

  Result<std::optional<dns::ARecord>> found = repository->find("b.example", dns::RecordType::A);

  ASSERT_TRUE(found.isOk());
  EXPECT_FALSE(found->has_value());
}

TEST(SqliteRecordRepository, RemoveDeletesTheRecordAndReportsIt) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());

  Result<bool> removed = repository->remove("a.example");
  ASSERT_TRUE(removed.isOk());
  EXPECT_TRUE(*removed);
  Result<std::optional<dns::ARecord>> found = repository->find("a.example", dns::RecordType::A);
  ASSERT_TRUE(found.isOk());
  EXPECT_FALSE(found->has_value());

  Result<bool> again = repository->remove("a.example");
  ASSERT_TRUE(again.isOk());
  EXPECT_FALSE(*again);
}

TEST(SqliteRecordRepository, ListIsOrderedByName) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("c.example", "192.0.2.3", 3)).isOk());
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  ASSERT_TRUE(repository->upsert(aRecord("b.example", "192.0.2.2", 2)).isOk());

  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("a.example", "192.0.2.1", 1),
                                               aRecord("b.example", "192.0.2.2", 2),
                                               aRecord("c.example", "192.0.2.3", 3)));
}

TEST(SqliteRecordRepository, ListOfEmptyStoreIsEmpty) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  EXPECT_TRUE(listOf(*repository).empty());
}

TEST(SqliteRecordRepository, UpsertAllWritesEveryRecord) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("b.example", "192.0.2.99", 9)).isOk());

  ASSERT_TRUE(
      repository
          ->upsertAll({aRecord("b.example", "192.0.2.2", 2), aRecord("a.example", "192.0.2.1", 1)})
          .isOk());

  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("a.example", "192.0.2.1", 1),
                                               aRecord("b.example", "192.0.2.2", 2)));
}

TEST(SqliteRecordRepository, UpsertRejectsTtlAboveMaximumAsInvalidArgument) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);

  Status status = repository->upsert(aRecord("a.example", "192.0.2.1", dns::kMaxTtl + 1U));

  EXPECT_EQ(status.code(), StatusCode::InvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a.example"));
  EXPECT_TRUE(listOf(*repository).empty());
  EXPECT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", dns::kMaxTtl)).isOk());
}

TEST(SqliteRecordRepository, UpsertAllIsAtomicWhenOneRecordIsRejected) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  const std::uint32_t serial_before = serialOf(*repository);

  Status status = repository->upsertAll(
      {aRecord("a.example", "203.0.113.1", 10), aRecord("b.example", "192.0.2.2", 2),
       aRecord("c.example", "192.0.2.3", 3000000000U), aRecord("d.example", "192.0.2.4", 4)});

  EXPECT_EQ(status.code(), StatusCode::InvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("c.example"));
  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("a.example", "192.0.2.1", 1)));
  EXPECT_EQ(serialOf(*repository), serial_before);
  // The connection is usable afterwards: the failed transaction was rolled back.
  EXPECT_TRUE(repository->upsert(aRecord("b.example", "192.0.2.2", 2)).isOk());
}

TEST(SqliteRecordRepository, ChangeSerialRisesWithEachChange) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  EXPECT_EQ(serialOf(*repository), 1U);

  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  EXPECT_EQ(serialOf(*repository), 2U);

  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  EXPECT_EQ(serialOf(*repository), 3U);

  // One transaction, one change, however many records.
  ASSERT_TRUE(
      repository
          ->upsertAll({aRecord("b.example", "192.0.2.2", 2), aRecord("c.example", "192.0.2.3", 3)})
          .isOk());
  EXPECT_EQ(serialOf(*repository), 4U);

  ASSERT_TRUE(repository->remove("b.example").isOk());
  EXPECT_EQ(serialOf(*repository), 5U);
}

TEST(SqliteRecordRepository, ChangeSerialDoesNotRiseWithoutAChange) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  const std::uint32_t serial = serialOf(*repository);

  Result<bool> removed = repository->remove("missing.example");
  ASSERT_TRUE(removed.isOk());
  EXPECT_FALSE(*removed);
  ASSERT_TRUE(repository->upsertAll({}).isOk());
  ASSERT_TRUE(repository->find("a.example", dns::RecordType::A).isOk());
  ASSERT_TRUE(repository->loadAll().isOk());

  EXPECT_EQ(serialOf(*repository), serial);
}

TEST(SqliteRecordRepository, ReopenKeepsRecordsAndSerial) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  std::uint32_t serial = 0;
  {
    auto repository = openOrFail(path);
    ASSERT_NE(repository, nullptr);
    ASSERT_TRUE(repository->upsert(aRecord("b.example", "192.0.2.2", 2)).isOk());
    ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
    serial = serialOf(*repository);
    EXPECT_EQ(serial, 3U);
  }

  auto reopened = openOrFail(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_THAT(listOf(*reopened), ElementsAre(aRecord("a.example", "192.0.2.1", 1),
                                             aRecord("b.example", "192.0.2.2", 2)));
  EXPECT_EQ(serialOf(*reopened), serial);
  ASSERT_TRUE(reopened->upsert(aRecord("c.example", "192.0.2.3", 3)).isOk());
  EXPECT_EQ(serialOf(*reopened), serial + 1U);
}

TEST(SqliteRecordRepository, UsesWalAndFullSynchronousOnFiles) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);

  SQLite::Database inspector(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(inspector.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(repository->path(), path);
}

TEST(SqliteRecordRepository, StoresReadableRowsWithIsoTimestamps) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("www.example.com", "192.0.2.1", 300)).isOk());

  SQLite::Database inspector(path, SQLite::OPEN_READONLY);
  SQLite::Statement row(inspector,
                        "SELECT name, type, value, ttl, created_at, updated_at FROM records");
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), "www.example.com");
  EXPECT_EQ(row.getColumn(1).getString(), "A");
  EXPECT_EQ(row.getColumn(2).getString(), "192.0.2.1");
  EXPECT_EQ(row.getColumn(3).getInt64(), 300);
  const std::string iso = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z";
  EXPECT_THAT(row.getColumn(4).getString(), MatchesRegex(iso));
  EXPECT_THAT(row.getColumn(5).getString(), MatchesRegex(iso));
}

TEST(SqliteRecordRepository, UpsertKeepsCreatedAtAndAdvancesUpdatedAt) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("www.example.com", "192.0.2.1", 300)).isOk());
  SQLite::Database inspector(path, SQLite::OPEN_READONLY);
  const char* query = "SELECT created_at, updated_at FROM records WHERE name = 'www.example.com'";
  std::string created_before;
  std::string updated_before;
  {
    SQLite::Statement row(inspector, query);
    ASSERT_TRUE(row.executeStep());
    created_before = row.getColumn(0).getString();
    updated_before = row.getColumn(1).getString();
  }

  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // timestamps have 1 ms resolution
  ASSERT_TRUE(repository->upsert(aRecord("www.example.com", "192.0.2.9", 60)).isOk());

  SQLite::Statement row(inspector, query);
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), created_before);
  EXPECT_GT(row.getColumn(1).getString(), updated_before);  // ISO-8601 text sorts by time
}

TEST(SqliteRecordRepository, RecordsAppliedMigrationVersions) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  ASSERT_NE(openOrFail(path), nullptr);

  SQLite::Database inspector(path, SQLite::OPEN_READONLY);
  SQLite::Statement rows(inspector, "SELECT version, name FROM schema_migrations ORDER BY version");
  std::vector<std::pair<int, std::string>> applied;
  while (rows.executeStep()) {
    applied.emplace_back(rows.getColumn(0).getInt(), rows.getColumn(1).getString());
  }
  EXPECT_THAT(applied,
              ElementsAre(std::pair<int, std::string>{1, "create_records"},
                          std::pair<int, std::string>{2, "create_zone_serial"},
                          std::pair<int, std::string>{3, "create_zone_changes"},
                          std::pair<int, std::string>{4, "keep_change_records_in_their_step"}));
  // Reopening applies nothing twice.
  ASSERT_NE(openOrFail(path), nullptr);
  EXPECT_EQ(inspector.execAndGet("SELECT COUNT(*) FROM schema_migrations").getInt(), 4);
}

TEST(SqliteRecordRepository, RefusesDatabaseWithNewerSchema) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  ASSERT_NE(openOrFail(path), nullptr);
  {
    SQLite::Database writer(path, SQLite::OPEN_READWRITE);
    writer.exec("PRAGMA ignore_check_constraints = ON");  // lets a text TTL in, as a user could
    writer.exec(
        "INSERT INTO schema_migrations (version, name, applied_at)"
        " VALUES (999, 'from_the_future', '2030-01-01T00:00:00.000Z')");
  }

  Result<std::unique_ptr<SqliteRecordRepository>> repository = SqliteRecordRepository::open(path);

  ASSERT_FALSE(repository.isOk());
  EXPECT_EQ(repository.status().code(), StatusCode::FailedPrecondition);
  EXPECT_EQ(repository.status().message(),
            "database " + path +
                " has schema version 999, newer than this binary's 4;"
                " refusing to start");
}

TEST(SqliteRecordRepository, OpenFailsWithThePathWhenTheDirectoryIsMissing) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/records.db");

  Result<std::unique_ptr<SqliteRecordRepository>> repository = SqliteRecordRepository::open(path);

  ASSERT_FALSE(repository.isOk());
  EXPECT_EQ(repository.status().code(), StatusCode::Unavailable);
  EXPECT_EQ(repository.status().message(),
            "cannot open database " + path + ": unable to open database file");
}

TEST(SqliteRecordRepository, OpenRefusesAFileThatIsNotADatabase) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << "this is not an SQLite database, just some text that is long enough\n"
                      << std::string(200, 'x') << '\n';

  Result<std::unique_ptr<SqliteRecordRepository>> repository = SqliteRecordRepository::open(path);

  ASSERT_FALSE(repository.isOk());
  EXPECT_THAT(repository.status().message(), HasSubstr(path));
  EXPECT_THAT(repository.status().message(), HasSubstr("not a database"));
}

TEST(SqliteRecordRepository, WriteWhileAnotherConnectionHoldsTheLockIsDeadlineExceeded) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  SqliteRecordRepositoryOptions options;
  options.busy_timeout = std::chrono::milliseconds(50);
  auto repository = openOrFail(path, options);
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("a.example", "192.0.2.1", 1)).isOk());
  const std::uint32_t serial = serialOf(*repository);

  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");  // holds the write lock

  Status upsert = repository->upsert(aRecord("b.example", "192.0.2.2", 2));
  EXPECT_EQ(upsert.code(), StatusCode::DeadlineExceeded);
  EXPECT_EQ(upsert.message(), "upsert b.example A: database is locked");
  Status upsert_all = repository->upsertAll({aRecord("c.example", "192.0.2.3", 3)});
  EXPECT_EQ(upsert_all.code(), StatusCode::DeadlineExceeded);
  Result<bool> removed = repository->remove("a.example");
  ASSERT_FALSE(removed.isOk());
  EXPECT_EQ(removed.status().code(), StatusCode::DeadlineExceeded);
  // WAL: readers are not blocked by the writer.
  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("a.example", "192.0.2.1", 1)));
  EXPECT_EQ(serialOf(*repository), serial);

  other.exec("ROLLBACK");
  EXPECT_TRUE(repository->upsert(aRecord("b.example", "192.0.2.2", 2)).isOk());
  EXPECT_EQ(serialOf(*repository), serial + 1U);
}

TEST(SqliteRecordRepository, CorruptRowIsInternalForFindAndSkippedByLoadAll) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);
  ASSERT_TRUE(repository->upsert(aRecord("good.example", "192.0.2.1", 60)).isOk());
  {
    // What someone might write by hand with the sqlite3 CLI.
    SQLite::Database writer(path, SQLite::OPEN_READWRITE);
    writer.exec("PRAGMA ignore_check_constraints = ON");  // lets a text TTL in, as a user could
    writer.exec(
        "INSERT INTO records (name, type, value, ttl) VALUES"
        " ('bad.example', 'A', 'x', 1),"
        " ('', 'A', '192.0.2.2', 1),"
        " ('Upper.Example', 'A', '192.0.2.3', 1),"
        " ('trailing.example.', 'A', '192.0.2.4', 1),"
        " ('bad_label.example', 'A', '192.0.2.5', 1),"
        " ('text-ttl.example', 'A', '192.0.2.6', 'abc'),"
        " ('real-ttl.example', 'A', '192.0.2.7', 1.5),"
        " ('aaaa.example', 'AAAA', '2001:db8::1', 1)");
  }

  Result<std::optional<dns::ARecord>> found = repository->find("bad.example", dns::RecordType::A);
  ASSERT_FALSE(found.isOk());
  EXPECT_EQ(found.status().code(), StatusCode::Internal);
  EXPECT_THAT(found.status().message(), HasSubstr("bad.example"));

  Result<authority::LoadedRecords> loaded = repository->loadAll();
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  EXPECT_THAT(loaded->records, ElementsAre(aRecord("good.example", "192.0.2.1", 60)));
  ASSERT_EQ(loaded->skipped.size(), 8U);
  const std::string all = ::testing::PrintToString(loaded->skipped);
  for (const char* expected :
       {"row name='bad.example' type='A': record bad.example A in the store has an invalid address",
        "row name='' type='A': empty name",
        "row name='Upper.Example' type='A': name is not normalised",
        "row name='trailing.example.' type='A': name is not normalised",
        "row name='bad_label.example' type='A': invalid name",
        "row name='text-ttl.example' type='A': ttl is stored as text, not an integer",
        "row name='real-ttl.example' type='A': ttl is stored as real",
        "row name='aaaa.example' type='AAAA': type is not A"}) {
    EXPECT_THAT(all, HasSubstr(expected));
  }
}

TEST(SqliteRecordRepository, CommitAppliesChangesInOrderAndReturnsTheSerialOfItsTransaction) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  const std::uint32_t before = serialOf(*repository);
  const std::vector<authority::RecordChange> changes = {
      authority::RecordChange::upsert(aRecord("a.example", "192.0.2.1", 1)),
      authority::RecordChange::upsert(aRecord("b.example", "192.0.2.2", 2)),
      authority::RecordChange::remove("a.example"),
      authority::RecordChange::upsert(aRecord("b.example", "192.0.2.9", 9)),
  };
  Result<authority::CommitResult> committed = repository->commit(changes);
  ASSERT_TRUE(committed.isOk()) << committed.status().message();
  EXPECT_TRUE(committed->changed);
  EXPECT_EQ(committed->serial, before + 1U);
  EXPECT_EQ(serialOf(*repository), before + 1U);
  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("b.example", "192.0.2.9", 9)));

  const std::vector<authority::RecordChange> nothing = {authority::RecordChange::remove("zz")};
  committed = repository->commit(nothing);
  ASSERT_TRUE(committed.isOk());
  EXPECT_FALSE(committed->changed);
  EXPECT_EQ(committed->serial, before + 1U);
}

TEST(SqliteRecordRepository, ApplyRaisesTheSerialOncePerChangeSetThatChangedSomething) {
  auto repository = openMemory();
  ASSERT_NE(repository, nullptr);
  const std::uint32_t before = serialOf(*repository);
  const std::vector<authority::ChangeSet> sets = {
      {{authority::RecordChange::upsert(aRecord("a.example", "192.0.2.1", 1)),
        authority::RecordChange::upsert(aRecord("b.example", "192.0.2.2", 2))},
       {}},
      {{authority::RecordChange::remove("nothing.example")}, {}},  // no row changes: no serial
      {{authority::RecordChange::remove("a.example")}, {}},
  };
  Result<authority::CommitResult> committed = repository->apply(sets);
  ASSERT_TRUE(committed.isOk()) << committed.status().message();
  EXPECT_EQ(committed->serials,
            (std::vector<std::uint32_t>{before + 1U, before + 1U, before + 2U}));
  EXPECT_EQ(committed->serial, before + 2U);
  EXPECT_EQ(serialOf(*repository), before + 2U);
  EXPECT_THAT(listOf(*repository), ElementsAre(aRecord("b.example", "192.0.2.2", 2)));
}

TEST(SqliteRecordRepository, SerialAfterTheLargestWrapsToOneAndTheCommitsLastIsStored) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);
  {
    SQLite::Database other(path, SQLite::OPEN_READWRITE);
    other.exec("UPDATE zone_serial SET serial = 4294967294 WHERE id = 1");
  }
  const std::vector<authority::ChangeSet> sets = {
      {{authority::RecordChange::upsert(aRecord("a.example", "192.0.2.1", 1))}, {}},
      {{authority::RecordChange::upsert(aRecord("b.example", "192.0.2.2", 2))}, {}},
      {{authority::RecordChange::upsert(aRecord("c.example", "192.0.2.3", 3))}, {}},
  };
  Result<authority::CommitResult> committed = repository->apply(sets);
  ASSERT_TRUE(committed.isOk()) << committed.status().message();
  EXPECT_EQ(committed->serials, (std::vector<std::uint32_t>{4294967295U, 1U, 2U}));
  EXPECT_EQ(committed->serial, 2U);
  EXPECT_EQ(serialOf(*repository), 2U);
  // What another connection (sqlite3, a restart) reads is the commit's last serial.
  SQLite::Database other(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(other.execAndGet("SELECT serial FROM zone_serial WHERE id = 1").getInt64(), 2);
}

TEST(SqliteRecordRepository, CheckpointEmptiesTheWriteAheadLog) {
  TempDir dir;
  const std::string path = dir.file("records.db");
  auto repository = openOrFail(path);
  ASSERT_NE(repository, nullptr);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        repository->upsert(aRecord("n" + std::to_string(i) + ".example", "192.0.2.1", 1)).isOk());
  }
  std::ifstream wal_before(path + "-wal", std::ios::binary | std::ios::ate);
  ASSERT_TRUE(wal_before.is_open());
  EXPECT_GT(static_cast<long>(wal_before.tellg()), 0L);

  ASSERT_TRUE(repository->checkpoint().isOk());

  std::ifstream wal_after(path + "-wal", std::ios::binary | std::ios::ate);
  EXPECT_EQ(static_cast<long>(wal_after.tellg()), 0L);
  EXPECT_EQ(listOf(*repository).size(), 50U);
}

}  // namespace
}  // namespace fibdns::storage
