#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/authority/record_repository.h"
#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/transfer/change_set.h"

// SQLiteCpp stays out of this header (it is linked PRIVATE): only pointers to these are held.
namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace fibdns::storage {

struct SqliteRecordRepositoryOptions {
  /// How long a write waits for another connection's write lock before giving up with
  /// Unavailable("... database is locked").
  std::chrono::milliseconds busy_timeout{5000};
  /// Steps of the IXFR journal kept (table zone_changes): every commit that changes the records
  /// appends one per change set, in the same transaction, and prunes the oldest beyond this.
  /// 0: no journal (transfers are then always whole zones).
  std::size_t ixfr_history = 10000;
};

class ZoneJournal;

/// The authoritative server's durable record store: one SQLite connection (SQLiteCpp) in WAL
/// mode with synchronous=FULL, so a change is on disk once its COMMIT returns.
///
/// Every apply() is one BEGIN IMMEDIATE ... COMMIT transaction (group commit: one fsync for the
/// batch) that reads the zone serial (table zone_serial) at its start, steps it once per change
/// set that changed a row (transfer::nextSerial) and stores the last value once. All statements
/// are prepared once, in open().
///
/// Errors: another connection holding the write lock beyond busy_timeout is DeadlineExceeded
/// ("... database is locked"); other store failures (I/O, full disk...) are Unavailable with
/// SQLite's reason; a record the schema rejects (TTL above 2147483647) is InvalidArgument; a row
/// that cannot be decoded is Internal (find) or skipped and described (loadAll). Nothing throws.
///
/// Thread-safe: calls are serialised on the one connection by an internal mutex.
class SqliteRecordRepository final : public authority::RecordRepository {
 public:
  /// Opens or creates the database at `path` (a file path, or ":memory:"), sets the pragmas,
  /// applies the embedded migrations and prepares the statements. Errors name the path, e.g.
  ///   Unavailable("cannot open database /x/y.db: unable to open database file"),
  ///   FailedPrecondition("database /x.db has schema version 7, newer than this binary's 2;
  ///                       refusing to start").
  static Result<std::unique_ptr<SqliteRecordRepository>> open(const std::string& path);
  static Result<std::unique_ptr<SqliteRecordRepository>> open(
      const std::string& path, const SqliteRecordRepositoryOptions& options);

  ~SqliteRecordRepository() override;
  SqliteRecordRepository(const SqliteRecordRepository&) = delete;
  SqliteRecordRepository& operator=(const SqliteRecordRepository&) = delete;

  Result<authority::CommitResult> apply(std::span<const authority::ChangeSet> sets) override;
  Result<authority::LoadedRecords> loadAll() const override;
  Result<std::optional<dns::ARecord>> find(std::string_view name,
                                           dns::RecordType type) const override;
  Result<std::uint32_t> changeSerial() const override;
  Status checkpoint() override;

  /// The path given to open().
  const std::string& path() const { return path_; }

  /// Reads the IXFR journal on a connection of its own (so that a transfer never waits for the
  /// writer's commit), for one thread. NotFound for ":memory:" (no second connection can see it).
  class JournalReader {
   public:
    static Result<std::unique_ptr<JournalReader>> open(const std::string& path);
    ~JournalReader();
    /// As ZoneJournal::readChain.
    Result<std::vector<transfer::ChangeSet>> readChain(std::uint32_t from, std::uint32_t to);

   private:
    JournalReader(std::unique_ptr<SQLite::Database> db, std::unique_ptr<ZoneJournal> journal);
    std::unique_ptr<SQLite::Database> db_;
    std::unique_ptr<ZoneJournal> journal_;
  };

 private:
  struct Statements;

  SqliteRecordRepository(std::string path, std::unique_ptr<SQLite::Database> db,
                         std::unique_ptr<Statements> statements,
                         std::unique_ptr<ZoneJournal> journal, std::size_t ixfr_history);
  // Appends one journal step for `set` (serial_from -> serial_to); throws on a store failure.
  void journal(const authority::ChangeSet& set, std::uint32_t serial_from, std::uint32_t serial_to);

  // One statement each; true when a row changed.
  bool bindAndUpsert(const dns::ARecord& record, const std::string& now);
  bool bindAndRemove(const dns::ARecord& record);

  std::string path_;
  mutable std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Statements> statements_;  // declared after db_: finalised before it closes
  std::unique_ptr<ZoneJournal> journal_;    // likewise; null when ixfr_history is 0
  std::size_t ixfr_history_;
};

}  // namespace fibdns::storage
