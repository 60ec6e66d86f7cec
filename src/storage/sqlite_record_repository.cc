#include "fibdns/storage/sqlite_record_repository.h"

#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "fibdns/storage/migrator.h"
#include "fibdns/storage/zone_journal.h"
#include "fibdns/transfer/serial.h"
#include "storage/sqlite_status.h"
#include "storage/statement_reset.h"

namespace fibdns::storage {

using authority::ChangeSet;
using authority::CommitResult;
using authority::LoadedRecords;
using authority::RecordChange;
namespace {

using detail::StatementReset;

// The SQL, prepared once per connection (C7). Timestamps are ISO-8601 UTC with milliseconds,
// e.g. 2026-11-25T22:30:01.123Z, the commit's time for every row it writes; created_at is set
// on insert and kept by the ON CONFLICT branch, which sets only value, ttl and updated_at.
constexpr int kMinimumSqliteVersion = 3038000;
constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kUpsert =
    "INSERT INTO records (name, type, value, ttl, created_at, updated_at)"
    " VALUES (:name, :type, :value, :ttl, :now, :now)"
    " ON CONFLICT (name, type) DO UPDATE SET"
    " value = excluded.value, ttl = excluded.ttl, updated_at = excluded.updated_at";
// The commit's time, once per commit for all its rows (strftime per row was measurable).
constexpr const char* kNow = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
// The serial is read at the start of the commit's transaction (BEGIN IMMEDIATE: no other
// connection can change it until COMMIT), stepped here and stored once per commit. A plain
// UPDATE: `... RETURNING serial` per step cost about 30 us more per commit (measured).
constexpr const char* kSetSerial = "UPDATE zone_serial SET serial = :serial WHERE id = 1";
constexpr const char* kFind = "SELECT value, ttl FROM records WHERE name = :name AND type = :type";
// Every row with the storage class of its TTL: a TTL written by hand as text ('abc', '60') is
// not a valid row, whatever SQLite's type affinity made of it.
constexpr const char* kLoadAll =
    "SELECT name, type, value, ttl, typeof(ttl) FROM records ORDER BY name, type";
constexpr const char* kRemove = "DELETE FROM records WHERE name = :name AND type = :type";
constexpr const char* kSelectSerial = "SELECT serial FROM zone_serial WHERE id = 1";
constexpr const char* kCheckpoint = "PRAGMA wal_checkpoint(TRUNCATE)";

const char* typeText(dns::RecordType type) {
  switch (type) {
    case dns::RecordType::A:
      return "A";
  }
  return "?";
}

void run(SQLite::Statement& statement) {
  StatementReset reset(statement);
  statement.exec();
}

StatusCode writeFailureCode(const SQLite::Exception& e) {
  if (detail::isConstraintViolation(e)) {
    return StatusCode::InvalidArgument;
  }
  const int primary = e.getErrorCode() & 0xff;  // extended codes carry the primary in the low byte
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return StatusCode::DeadlineExceeded;  // another connection holds the lock: retry later
  }
  return StatusCode::Unavailable;
}

std::string describe(std::string_view verb, std::string_view name, dns::RecordType type) {
  std::string text(verb);
  text += ' ';
  text += name;
  text += ' ';
  text += typeText(type);
  return text;
}

// Builds a record from a stored row; Internal when the row does not hold a valid A record.
Result<dns::ARecord> decodeRow(std::string name, const std::string& value, std::int64_t ttl) {
  Result<dns::Ipv4Address> address = dns::parseIpv4(value);
  if (!address.isOk()) {
    return internalError("record " + name +
                         " A in the store has an invalid address: " + address.status().message());
  }
  if (ttl < 0 || ttl > static_cast<std::int64_t>(dns::kMaxTtl)) {
    return internalError("record " + name + " A in the store has an invalid TTL " +
                         std::to_string(ttl));
  }
  return dns::ARecord{std::move(name), *address, static_cast<std::uint32_t>(ttl)};
}

// Checks a row read at start-up against the rules a registration obeys (the table may have been
// edited by hand): the error names the row and the rule it breaks.
Result<dns::ARecord> validateRow(const std::string& name, const std::string& type,
                                 const std::string& value, const SQLite::Column& ttl,
                                 const std::string& ttl_storage_class) {
  const std::string row = "row name='" + name + "' type='" + type + "'";
  if (type != "A") {
    return invalidArgument(row + ": type is not A");
  }
  if (name.empty()) {
    return invalidArgument(row + ": empty name");
  }
  Result<std::string> normalised = dns::normalizeHostName(name);
  if (!normalised) {
    return invalidArgument(row + ": " + normalised.status().message());
  }
  if (*normalised != name) {
    return invalidArgument(row + ": name is not normalised (expected '" + *normalised + "')");
  }
  if (ttl_storage_class != "integer") {
    return invalidArgument(row + ": ttl is stored as " + ttl_storage_class + ", not an integer");
  }
  Result<dns::ARecord> record = decodeRow(name, value, ttl.getInt64());
  if (!record) {
    return invalidArgument(row + ": " + record.status().message());
  }
  return record;
}

Result<std::unique_ptr<SQLite::Database>> openDatabase(
    const std::string& path, const SqliteRecordRepositoryOptions& options) {
  const std::string context = "cannot open database " + path;
  if (sqlite3_libversion_number() < kMinimumSqliteVersion) {
    // Migration 0004 and the IXFR journal read JSON with ->> (SQLite 3.38).
    return failedPrecondition(context + ": SQLite 3.38 or newer is needed, this is " +
                              sqlite3_libversion());
  }
  try {
    const auto busy_ms = options.busy_timeout.count();
    // NOMUTEX: the repository's own mutex already serialises every use of the connection, so
    // SQLite's per-connection mutex (taken in every bind, step and reset) would only add locked
    // instructions to the writer's path.
    auto db = std::make_unique<SQLite::Database>(path,
                                                 SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                                     SQLite::OPEN_NOMUTEX,
                                                 busy_ms > std::numeric_limits<int>::max()
                                                     ? std::numeric_limits<int>::max()
                                                     : static_cast<int>(busy_ms < 0 ? 0 : busy_ms));
    // journal_mode answers with the mode in force: "wal" for a file, "memory" for ":memory:".
    // A file system without shared memory support keeps the old mode; synchronous=FULL still
    // makes every COMMIT durable then, only with less concurrency.
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    return db;
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(
        detail::isEnvironmentFailure(e) ? StatusCode::Unavailable : StatusCode::FailedPrecondition,
        context, e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, context, e);
  }
}

}  // namespace

struct SqliteRecordRepository::Statements {
  explicit Statements(SQLite::Database& db)
      : begin(db, kBegin),
        commit(db, kCommit),
        rollback(db, kRollback),
        upsert(db, kUpsert),
        now(db, kNow),
        set_serial(db, kSetSerial),
        find(db, kFind),
        load_all(db, kLoadAll),
        remove(db, kRemove),
        select_serial(db, kSelectSerial),
        checkpoint(db, kCheckpoint) {}

  SQLite::Statement begin;
  SQLite::Statement commit;
  SQLite::Statement rollback;
  SQLite::Statement upsert;
  SQLite::Statement now;
  SQLite::Statement set_serial;
  SQLite::Statement find;
  SQLite::Statement load_all;
  SQLite::Statement remove;
  SQLite::Statement select_serial;
  SQLite::Statement checkpoint;
};

Result<std::unique_ptr<SqliteRecordRepository>> SqliteRecordRepository::open(
    const std::string& path) {
  return open(path, SqliteRecordRepositoryOptions{});
}

Result<std::unique_ptr<SqliteRecordRepository>> SqliteRecordRepository::open(
    const std::string& path, const SqliteRecordRepositoryOptions& options) {
  Result<std::unique_ptr<SQLite::Database>> db = openDatabase(path, options);
  if (!db.isOk()) {
    return db.status();
  }

  const Migrator migrator(embeddedMigrations());
  if (Result<int> version = migrator.migrate(**db, path); !version.isOk()) {
    return version.status();
  }

  try {
    auto statements = std::make_unique<Statements>(**db);
    std::unique_ptr<ZoneJournal> journal;
    if (options.ixfr_history > 0) {
      Result<ZoneJournal> opened = ZoneJournal::open(**db);
      if (!opened) {
        return opened.status();
      }
      journal = std::make_unique<ZoneJournal>(std::move(*opened));
    }
    return std::unique_ptr<SqliteRecordRepository>(new SqliteRecordRepository(
        path, std::move(*db), std::move(statements), std::move(journal), options.ixfr_history));
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::FailedPrecondition,
                              "database " + path + ": cannot prepare statements", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable,
                              "database " + path + ": cannot prepare statements", e);
  }
}

SqliteRecordRepository::SqliteRecordRepository(std::string path,
                                               std::unique_ptr<SQLite::Database> db,
                                               std::unique_ptr<Statements> statements,
                                               std::unique_ptr<ZoneJournal> journal,
                                               std::size_t ixfr_history)
    : path_(std::move(path)),
      db_(std::move(db)),
      statements_(std::move(statements)),
      journal_(std::move(journal)),
      ixfr_history_(ixfr_history) {}

void SqliteRecordRepository::journal(const ChangeSet& set, std::uint32_t serial_from,
                                     std::uint32_t serial_to) {
  transfer::ChangeSetBuilder builder;
  for (std::size_t i = 0; i < set.changes.size(); ++i) {
    const RecordChange& change = set.changes[i];
    const std::optional<dns::ARecord> previous =
        i < set.previous.size() ? set.previous[i] : std::nullopt;
    if (change.kind == RecordChange::Kind::Upsert) {
      builder.upsert(previous, change.record);
    } else if (previous) {
      builder.erase(*previous);
    }
  }
  const Status appended = journal_->append(builder.finish(serial_from, serial_to));
  if (!appended.isOk()) {
    throw std::runtime_error("journal: " + appended.message());
  }
}

SqliteRecordRepository::~SqliteRecordRepository() = default;

Result<CommitResult> SqliteRecordRepository::apply(std::span<const ChangeSet> sets) {
  const std::lock_guard lock(mutex_);
  std::size_t change_count = 0;
  for (const ChangeSet& set : sets) {
    change_count += set.changes.size();
  }
  if (change_count == 0) {
    return CommitResult{};  // nothing changes, so the serial does not move either
  }
  const RecordChange* first = nullptr;
  for (const ChangeSet& set : sets) {
    if (!set.changes.empty()) {
      first = &set.changes.front();
      break;
    }
  }
  std::string what = change_count == 1
                         ? describe(first->kind == RecordChange::Kind::Upsert ? "upsert" : "remove",
                                    first->record.name, dns::RecordType::A)
                         : "commit of " + std::to_string(change_count) + " changes";
  Statements& s = *statements_;
  try {
    run(s.begin);
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(writeFailureCode(e), what, e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, what, e);
  }

  const RecordChange* current = nullptr;
  try {
    CommitResult result;
    // The serial before; then one step per set that changed something, stored once at the end
    // (only the last value is kept).
    {
      StatementReset reset(s.select_serial);
      if (!s.select_serial.executeStep()) {
        throw std::runtime_error("zone_serial has no row");
      }
      result.serial = static_cast<std::uint32_t>(s.select_serial.getColumn(0).getInt64());
    }
    std::string now;
    {
      StatementReset reset(s.now);
      (void)s.now.executeStep();  // one row, always
      now = s.now.getColumn(0).getString();
    }
    for (const ChangeSet& set : sets) {
      bool set_changed = false;
      for (const RecordChange& change : set.changes) {
        current = &change;
        set_changed = (change.kind == RecordChange::Kind::Upsert ? bindAndUpsert(change.record, now)
                                                                 : bindAndRemove(change.record)) ||
                      set_changed;
      }
      current = nullptr;
      if (set_changed) {
        const std::uint32_t serial_from = result.serial;
        result.serial = transfer::nextSerial(serial_from);
        result.changed = true;
        if (journal_) {
          journal(set, serial_from, result.serial);  // in the same transaction as the change
        }
      }
      result.serials.push_back(result.serial);
    }
    if (result.changed) {
      StatementReset reset(s.set_serial);
      s.set_serial.bind(":serial", static_cast<std::int64_t>(result.serial));
      s.set_serial.exec();
      if (journal_) {
        if (auto pruned = journal_->prune(ixfr_history_); !pruned) {
          throw std::runtime_error("journal: " + pruned.status().message());
        }
      }
    }
    run(s.commit);  // synchronous=FULL: durable once this returns
    return result;
  } catch (const std::exception& e) {
    // SQLite may already have rolled back by itself (e.g. on some I/O errors during COMMIT).
    if (sqlite3_get_autocommit(db_->getHandle()) == 0) {
      (void)s.rollback.tryExecuteStep();  // nothing more to do if even this fails
      (void)s.rollback.tryReset();
    }
    if (current != nullptr && change_count > 1) {
      // Name the change that failed: "commit of 3 changes (at b.example A): CHECK constraint..."
      what += " (at " + current->record.name + " A)";
    }
    const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e);
    return detail::statusFrom(
        sqlite_error != nullptr ? writeFailureCode(*sqlite_error) : StatusCode::Unavailable, what,
        e);
  }
}

bool SqliteRecordRepository::bindAndUpsert(const dns::ARecord& record, const std::string& now) {
  SQLite::Statement& upsert = statements_->upsert;
  // Texts bound without copies (each copy was a malloc and a memcpy), unbound by the guard.
  const std::string value = record.address.toString();
  StatementReset reset(upsert);
  upsert.bindNoCopy(":name", record.name);
  upsert.bindNoCopy(":type", typeText(dns::RecordType::A));
  upsert.bindNoCopy(":value", value);
  upsert.bind(":ttl", static_cast<std::int64_t>(record.ttl));
  upsert.bindNoCopy(":now", now);
  return upsert.exec() > 0;
}

bool SqliteRecordRepository::bindAndRemove(const dns::ARecord& record) {
  SQLite::Statement& remove = statements_->remove;
  StatementReset reset(remove);
  remove.bindNoCopy(":name", record.name);
  remove.bindNoCopy(":type", typeText(dns::RecordType::A));
  return remove.exec() > 0;  // a remove of nothing is no change: no serial bump
}

Result<std::optional<dns::ARecord>> SqliteRecordRepository::find(std::string_view name,
                                                                 dns::RecordType type) const {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& find = statements_->find;
    StatementReset reset(find);
    find.bind(":name", std::string(name));
    find.bind(":type", typeText(type));
    if (!find.executeStep()) {
      return std::optional<dns::ARecord>{};
    }
    Result<dns::ARecord> record =
        decodeRow(std::string(name), find.getColumn(0).getString(), find.getColumn(1).getInt64());
    if (!record.isOk()) {
      return record.status();
    }
    return std::optional<dns::ARecord>(std::move(*record));
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, describe("find", name, type), e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, describe("find", name, type), e);
  }
}

Result<LoadedRecords> SqliteRecordRepository::loadAll() const {
  Result<std::uint32_t> serial = changeSerial();
  if (!serial) {
    return serial.status();
  }
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& load = statements_->load_all;
    StatementReset reset(load);
    LoadedRecords loaded;
    loaded.serial = *serial;
    while (load.executeStep()) {
      std::string name = load.getColumn(0).getString();
      Result<dns::ARecord> record =
          validateRow(name, load.getColumn(1).getString(), load.getColumn(2).getString(),
                      load.getColumn(3), load.getColumn(4).getString());
      if (record) {
        loaded.records.push_back(std::move(*record));
      } else {
        loaded.skipped.push_back(record.status().message());
      }
    }
    return loaded;
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "load records", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "load records", e);
  }
}

Result<std::unique_ptr<SqliteRecordRepository::JournalReader>>
SqliteRecordRepository::JournalReader::open(const std::string& path) {
  if (path == ":memory:" || path.empty()) {
    return notFound("an in-memory database has no journal another connection can read");
  }
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY, 1000);
    Result<ZoneJournal> journal = ZoneJournal::open(*db);
    if (!journal) {
      return journal.status();
    }
    return std::unique_ptr<JournalReader>(
        new JournalReader(std::move(db), std::make_unique<ZoneJournal>(std::move(*journal))));
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "journal reader for " + path, e);
  }
}

SqliteRecordRepository::JournalReader::JournalReader(std::unique_ptr<SQLite::Database> db,
                                                     std::unique_ptr<ZoneJournal> journal)
    : db_(std::move(db)), journal_(std::move(journal)) {}

SqliteRecordRepository::JournalReader::~JournalReader() = default;

Result<std::vector<transfer::ChangeSet>> SqliteRecordRepository::JournalReader::readChain(
    std::uint32_t from, std::uint32_t to) {
  return journal_->readChain(from, to);
}

Status SqliteRecordRepository::checkpoint() {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& checkpoint = statements_->checkpoint;
    StatementReset reset(checkpoint);
    // One row: busy (1 when another connection kept it from finishing), WAL frames, frames
    // checkpointed. For a database not in WAL mode it does nothing and says so with -1s.
    if (checkpoint.executeStep() && checkpoint.getColumn(0).getInt() != 0) {
      return unavailable("checkpoint " + path_ + ": the database is in use by another connection");
    }
    return Status::ok();
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "checkpoint " + path_, e);
  }
}

Result<std::uint32_t> SqliteRecordRepository::changeSerial() const {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& select = statements_->select_serial;
    StatementReset reset(select);
    if (!select.executeStep()) {
      return internalError("database " + path_ + ": zone_serial has no row");
    }
    const std::int64_t serial = select.getColumn(0).getInt64();
    if (serial < 0 || serial > std::numeric_limits<std::uint32_t>::max()) {
      return internalError("database " + path_ + ": zone serial " + std::to_string(serial) +
                           " is out of range");
    }
    return static_cast<std::uint32_t>(serial);
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "changeSerial", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "changeSerial", e);
  }
}

}  // namespace fibdns::storage
