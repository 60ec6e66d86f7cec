#include "fibdns/storage/migrator.h"

#include <exception>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/sqlite_status.h"

namespace fibdns::storage {
namespace {

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

constexpr const char* kSelectCurrentVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (:version, :name, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

std::string databaseLabel(std::string_view db_label) {
  std::string label("database ");
  label += db_label;
  return label;
}

Status checkList(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= previous) {
      return failedPrecondition("migration list is not strictly ascending from 1 at " +
                                migrationLabel(migration));
    }
    previous = migration.version;
  }
  return Status::ok();
}

// Busy, I/O and the like may pass (Unavailable); bad SQL or data will not (FailedPrecondition).
StatusCode failureCode(const SQLite::Exception& e) {
  return detail::isEnvironmentFailure(e) ? StatusCode::Unavailable : StatusCode::FailedPrecondition;
}

int readCurrentVersion(SQLite::Database& db) {
  if (!db.tableExists("schema_migrations")) {
    return 0;
  }
  SQLite::Statement query(db, kSelectCurrentVersion);
  query.executeStep();
  return query.getColumn(0).getInt();
}

}  // namespace

std::string migrationLabel(const Migration& migration) {
  std::string digits = std::to_string(migration.version);
  if (digits.size() < 4) {
    digits.insert(0, 4 - digits.size(), '0');
  }
  digits += '_';
  digits += migration.name;
  return digits;
}

Migrator::Migrator(std::span<const Migration> migrations) : migrations_(migrations) {}

int Migrator::latestVersion() const { return migrations_.empty() ? 0 : migrations_.back().version; }

Result<int> Migrator::currentVersion(SQLite::Database& db) {
  try {
    return readCurrentVersion(db);
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "cannot read schema version", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "cannot read schema version", e);
  }
}

Result<int> Migrator::migrate(SQLite::Database& db, std::string_view db_label) const {
  const std::string label = databaseLabel(db_label);
  if (Status listed = checkList(migrations_); !listed.isOk()) {
    return failedPrecondition(label + ": " + listed.message());
  }

  int current = 0;
  try {
    db.exec(kCreateSchemaMigrations);
    current = readCurrentVersion(db);
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(failureCode(e), label + ": cannot read schema_migrations", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, label + ": cannot read schema_migrations",
                              e);
  }

  const int latest = latestVersion();
  if (current > latest) {
    return failedPrecondition(label + " has schema version " + std::to_string(current) +
                              ", newer than this binary's " + std::to_string(latest) +
                              "; refusing to start");
  }

  for (const Migration& migration : migrations_) {
    if (migration.version <= current) {
      continue;
    }
    const std::string context =
        label + ": migration " + migrationLabel(migration) + " failed and was rolled back";
    try {
      // IMMEDIATE takes the write lock first, so a second process starting at the same time
      // waits here and then sees the version this one recorded.
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      current = readCurrentVersion(db);
      if (migration.version <= current) {
        continue;  // applied by another connection meanwhile; the transaction rolls back
      }
      db.exec(std::string(migration.sql));
      SQLite::Statement record(db, kInsertMigration);
      record.bind(":version", migration.version);
      record.bind(":name", std::string(migration.name));
      record.exec();
      transaction.commit();
      current = migration.version;
    } catch (const SQLite::Exception& e) {
      return detail::statusFrom(failureCode(e), context, e);
    } catch (const std::exception& e) {
      return detail::statusFrom(StatusCode::Unavailable, context, e);
    }
  }
  return current;
}

}  // namespace fibdns::storage
