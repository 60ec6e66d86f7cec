#pragma once

#include <span>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace fibdns::storage {

/// One forward-only schema step: migrations/NNNN_<name>.sql.
struct Migration {
  int version = 0;        // NNNN, 1-based, contiguous
  std::string_view name;  // e.g. "create_records"
  std::string_view sql;   // one or more statements; no BEGIN/COMMIT (the Migrator adds them)
};

/// The migrations embedded in this binary at build time (generated from migrations/*.sql by
/// cmake/EmbedMigrations.cmake), ascending by version.
std::span<const Migration> embeddedMigrations();

/// Brings a database's schema up to date.
///
/// The applied versions are recorded in
///   schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
/// which the Migrator creates when it is missing. Each pending migration (version greater than the
/// highest recorded one) runs in its own BEGIN IMMEDIATE transaction together with its row in
/// schema_migrations: it is applied and recorded, or neither. A database whose highest recorded
/// version is newer than the newest migration this binary knows is refused (FailedPrecondition).
/// Nothing throws.
class Migrator {
 public:
  /// `migrations` must outlive the Migrator and be ascending by version, starting at 1.
  explicit Migrator(std::span<const Migration> migrations);

  /// The highest version in the list (0 for an empty list).
  int latestVersion() const;

  /// Applies every pending migration in order and returns the schema version afterwards.
  /// `db_label` (normally the file path) names the database in error messages, e.g.
  ///   "database /x.db has schema version 7, newer than this binary's 2; refusing to start".
  /// Errors: FailedPrecondition (newer schema, a migration's SQL failed, malformed list),
  /// Unavailable (busy, I/O, read-only...). A failed migration is rolled back and not recorded;
  /// the ones before it stay applied.
  Result<int> migrate(SQLite::Database& db, std::string_view db_label) const;

  /// The highest version recorded in schema_migrations (0 when the table is missing or empty).
  static Result<int> currentVersion(SQLite::Database& db);

 private:
  std::span<const Migration> migrations_;
};

/// "0001_create_records": the migration's file stem, used in messages.
std::string migrationLabel(const Migration& migration);

}  // namespace fibdns::storage
