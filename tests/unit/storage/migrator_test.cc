#include "fibdns/storage/migrator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

namespace fibdns::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SQLite::Database memoryDatabase() {
  return SQLite::Database(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
}

std::vector<int> appliedVersions(SQLite::Database& db) {
  std::vector<int> versions;
  SQLite::Statement rows(db, "SELECT version FROM schema_migrations ORDER BY version");
  while (rows.executeStep()) {
    versions.push_back(rows.getColumn(0).getInt());
  }
  return versions;
}

const std::vector<Migration> kTwoSteps = {
    {1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY, label TEXT NOT NULL);"},
    {2, "add_things",
     "INSERT INTO things (label) VALUES ('one'); "
     "INSERT INTO things (label) VALUES ('two');"},
};

TEST(Migrator, EmbeddedMigrationsAreNumberedFromOne) {
  std::span<const Migration> migrations = embeddedMigrations();
  ASSERT_GE(migrations.size(), 2U);
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations[0].name, "create_records");
  EXPECT_EQ(migrations[1].name, "create_zone_serial");
  EXPECT_EQ(migrationLabel(migrations[0]), "0001_create_records");
}

TEST(Migrator, AppliesEmbeddedMigrationsToAnEmptyDatabase) {
  SQLite::Database db = memoryDatabase();
  const Migrator migrator(embeddedMigrations());

  Result<int> version = migrator.migrate(db, ":memory:");

  ASSERT_TRUE(version.isOk()) << version.status().message();
  EXPECT_EQ(*version, migrator.latestVersion());
  EXPECT_TRUE(db.tableExists("records"));
  EXPECT_TRUE(db.tableExists("zone_serial"));
  EXPECT_EQ(db.execAndGet("SELECT serial FROM zone_serial").getInt(), 1);
  EXPECT_TRUE(db.tableExists("zone_changes"));
  EXPECT_FALSE(db.tableExists("zone_change_records"));  // 0004 keeps records in their step
  EXPECT_THAT(appliedVersions(db), ElementsAre(1, 2, 3, 4));
}

TEST(Migrator, AppliesInOrderAndRecordsEachVersion) {
  SQLite::Database db = memoryDatabase();

  Result<int> version = Migrator(kTwoSteps).migrate(db, "test.db");

  ASSERT_TRUE(version.isOk()) << version.status().message();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM things").getInt(), 2);
  EXPECT_THAT(appliedVersions(db), ElementsAre(1, 2));
  EXPECT_EQ(db.execAndGet("SELECT name FROM schema_migrations WHERE version = 2").getString(),
            "add_things");
  EXPECT_THAT(
      db.execAndGet("SELECT applied_at FROM schema_migrations WHERE version = 1").getString(),
      ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
}

TEST(Migrator, SecondRunAppliesNothing) {
  SQLite::Database db = memoryDatabase();
  const Migrator migrator(kTwoSteps);
  ASSERT_TRUE(migrator.migrate(db, "test.db").isOk());

  Result<int> again = migrator.migrate(db, "test.db");

  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(*again, 2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM things").getInt(), 2);  // not inserted twice
}

TEST(Migrator, AppliesOnlyPendingMigrations) {
  SQLite::Database db = memoryDatabase();
  const std::vector<Migration> first_release(kTwoSteps.begin(), kTwoSteps.begin() + 1);
  ASSERT_TRUE(Migrator(first_release).migrate(db, "test.db").isOk());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM things").getInt(), 0);

  Result<int> version = Migrator(kTwoSteps).migrate(db, "test.db");

  ASSERT_TRUE(version.isOk()) << version.status().message();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM things").getInt(), 2);
}

TEST(Migrator, RefusesNewerSchemaNamingBothVersions) {
  SQLite::Database db = memoryDatabase();
  ASSERT_TRUE(Migrator(kTwoSteps).migrate(db, "/x.db").isOk());
  db.exec("INSERT INTO schema_migrations VALUES (7, 'future', '2030-01-01T00:00:00.000Z')");

  Result<int> version = Migrator(kTwoSteps).migrate(db, "/x.db");

  ASSERT_FALSE(version.isOk());
  EXPECT_EQ(version.status().code(), StatusCode::FailedPrecondition);
  EXPECT_EQ(version.status().message(),
            "database /x.db has schema version 7, newer than this binary's 2; refusing to start");
}

TEST(Migrator, FailingMigrationRollsBackAndIsNotRecorded) {
  SQLite::Database db = memoryDatabase();
  const std::vector<Migration> migrations = {
      kTwoSteps[0],
      {2, "broken", "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"},
      {3, "never_reached", "CREATE TABLE later (x INTEGER);"},
  };

  Result<int> version = Migrator(migrations).migrate(db, "/x.db");

  ASSERT_FALSE(version.isOk());
  EXPECT_EQ(version.status().code(), StatusCode::FailedPrecondition);
  EXPECT_THAT(version.status().message(),
              HasSubstr("database /x.db: migration 0002_broken failed and was rolled back"));
  EXPECT_THAT(version.status().message(), HasSubstr("no_such_table"));
  EXPECT_FALSE(db.tableExists("half_done"));
  EXPECT_FALSE(db.tableExists("later"));
  EXPECT_TRUE(db.tableExists("things"));  // the earlier migration stays applied
  EXPECT_THAT(appliedVersions(db), ElementsAre(1));
  Result<int> current = Migrator::currentVersion(db);
  ASSERT_TRUE(current.isOk());
  EXPECT_EQ(*current, 1);
}

TEST(Migrator, CurrentVersionOfAFreshDatabaseIsZero) {
  SQLite::Database db = memoryDatabase();
  Result<int> current = Migrator::currentVersion(db);
  ASSERT_TRUE(current.isOk());
  EXPECT_EQ(*current, 0);
}

TEST(Migrator, RejectsAListThatIsNotAscending) {
  SQLite::Database db = memoryDatabase();
  const std::vector<Migration> migrations = {kTwoSteps[1], kTwoSteps[0]};

  Result<int> version = Migrator(migrations).migrate(db, "test.db");

  ASSERT_FALSE(version.isOk());
  EXPECT_EQ(version.status().code(), StatusCode::FailedPrecondition);
  EXPECT_THAT(version.status().message(), HasSubstr("0001_create_things"));
  EXPECT_FALSE(db.tableExists("things"));
}

TEST(Migrator, EmptyListLeavesVersionZero) {
  SQLite::Database db = memoryDatabase();
  const Migrator migrator(std::span<const Migration>{});
  EXPECT_EQ(migrator.latestVersion(), 0);
  Result<int> version = migrator.migrate(db, "test.db");
  ASSERT_TRUE(version.isOk());
  EXPECT_EQ(*version, 0);
}

}  // namespace
}  // namespace fibdns::storage
