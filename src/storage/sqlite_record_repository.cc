#include "fibdns/storage/sqlite_record_repository.h"

#include <exception>
#include <limits>
#include <string>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "fibdns/dns/ipv4.h"
#include "fibdns/storage/migrator.h"
#include "storage/sqlite_status.h"

namespace fibdns::storage {
namespace {

// The SQL, prepared once per connection (C7). Timestamps are ISO-8601 UTC with milliseconds,
// e.g. 2026-11-25T22:30:01.123Z; created_at comes from the column default on insert and is kept
// by the ON CONFLICT branch, which sets only value, ttl and updated_at.
constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kUpsert =
    "INSERT INTO records (name, type, value, ttl) VALUES (:name, :type, :value, :ttl)"
    " ON CONFLICT (name, type) DO UPDATE SET"
    " value = excluded.value, ttl = excluded.ttl,"
    " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
constexpr const char* kBumpSerial =
    "UPDATE zone_serial SET serial = CASE WHEN serial >= 4294967295 THEN 1 ELSE serial + 1 END"
    " WHERE id = 1";
constexpr const char* kFind = "SELECT value, ttl FROM records WHERE name = :name AND type = :type";
constexpr const char* kList = "SELECT name, value, ttl FROM records WHERE type = 'A' ORDER BY name";
constexpr const char* kRemove = "DELETE FROM records WHERE name = :name AND type = :type";
constexpr const char* kSelectSerial = "SELECT serial FROM zone_serial WHERE id = 1";

const char* typeText(dns::RecordType type) {
  switch (type) {
    case dns::RecordType::A:
      return "A";
  }
  return "?";
}

// Resets a prepared statement when leaving the scope, however it is left: a SELECT that is not
// reset keeps its read transaction open (blocking WAL checkpoints), and a statement must be
// reset before its next execution.
class ResetOnExit {
 public:
  explicit ResetOnExit(SQLite::Statement& statement) : statement_(statement) {}
  ~ResetOnExit() { (void)statement_.tryReset(); }  // the step's error was already reported
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  SQLite::Statement& statement_;
};

void run(SQLite::Statement& statement) {
  ResetOnExit reset(statement);
  statement.exec();
}

StatusCode writeFailureCode(const SQLite::Exception& e) {
  return detail::isConstraintViolation(e) ? StatusCode::InvalidArgument : StatusCode::Unavailable;
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

Result<std::unique_ptr<SQLite::Database>> openDatabase(
    const std::string& path, const SqliteRecordRepositoryOptions& options) {
  const std::string context = "cannot open database " + path;
  try {
    const auto busy_ms = options.busy_timeout.count();
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
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
        bump_serial(db, kBumpSerial),
        find(db, kFind),
        list(db, kList),
        remove(db, kRemove),
        select_serial(db, kSelectSerial) {}

  SQLite::Statement begin;
  SQLite::Statement commit;
  SQLite::Statement rollback;
  SQLite::Statement upsert;
  SQLite::Statement bump_serial;
  SQLite::Statement find;
  SQLite::Statement list;
  SQLite::Statement remove;
  SQLite::Statement select_serial;
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
    return std::unique_ptr<SqliteRecordRepository>(
        new SqliteRecordRepository(path, std::move(*db), std::move(statements)));
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
                                               std::unique_ptr<Statements> statements)
    : path_(std::move(path)), db_(std::move(db)), statements_(std::move(statements)) {}

SqliteRecordRepository::~SqliteRecordRepository() = default;

template <typename Write>
Status SqliteRecordRepository::inTransaction(std::string_view what, Write&& write) {
  Statements& s = *statements_;
  try {
    run(s.begin);
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, what, e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, what, e);
  }

  auto rollbackIfOpen = [&] {
    // SQLite may already have rolled back by itself (e.g. on some I/O errors during COMMIT).
    if (sqlite3_get_autocommit(db_->getHandle()) == 0) {
      (void)s.rollback.tryExecuteStep();  // nothing more to do if even this fails
      (void)s.rollback.tryReset();
    }
  };
  try {
    if (write()) {
      run(s.bump_serial);
    }
    run(s.commit);  // synchronous=FULL: durable once this returns
    return Status::ok();
  } catch (const SQLite::Exception& e) {
    rollbackIfOpen();
    return detail::statusFrom(writeFailureCode(e), what, e);
  } catch (const std::exception& e) {
    rollbackIfOpen();
    return detail::statusFrom(StatusCode::Unavailable, what, e);
  }
}

void SqliteRecordRepository::bindAndUpsert(const dns::ARecord& record) {
  SQLite::Statement& upsert = statements_->upsert;
  ResetOnExit reset(upsert);
  upsert.bind(":name", record.name);
  upsert.bind(":type", typeText(dns::RecordType::A));
  upsert.bind(":value", record.address.toString());
  upsert.bind(":ttl", static_cast<std::int64_t>(record.ttl));
  upsert.exec();
}

Status SqliteRecordRepository::upsert(const dns::ARecord& record) {
  const std::lock_guard lock(mutex_);
  return inTransaction(describe("upsert", record.name, dns::RecordType::A), [&] {
    bindAndUpsert(record);
    return true;
  });
}

Status SqliteRecordRepository::upsertAll(const std::vector<dns::ARecord>& records) {
  if (records.empty()) {
    return Status::ok();  // nothing changes, so the serial does not move either
  }
  const std::lock_guard lock(mutex_);
  std::string what = "upsertAll of " + std::to_string(records.size()) + " records";
  const dns::ARecord* current = nullptr;
  Status status = inTransaction(what, [&] {
    for (const dns::ARecord& record : records) {
      current = &record;
      bindAndUpsert(record);
    }
    return true;
  });
  if (!status.isOk() && current != nullptr) {
    // Name the record that failed: "upsertAll of 3 records (at b.example A): CHECK constraint..."
    std::string message = status.message();
    message.insert(what.size(), " (at " + current->name + " A)");
    return {status.code(), std::move(message)};
  }
  return status;
}

Result<std::optional<dns::ARecord>> SqliteRecordRepository::find(std::string_view name,
                                                                 dns::RecordType type) const {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& find = statements_->find;
    ResetOnExit reset(find);
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

Result<std::vector<dns::ARecord>> SqliteRecordRepository::list() const {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& list = statements_->list;
    ResetOnExit reset(list);
    std::vector<dns::ARecord> records;
    while (list.executeStep()) {
      Result<dns::ARecord> record =
          decodeRow(list.getColumn(0).getString(), list.getColumn(1).getString(),
                    list.getColumn(2).getInt64());
      if (!record.isOk()) {
        return record.status();
      }
      records.push_back(std::move(*record));
    }
    return records;
  } catch (const SQLite::Exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "list", e);
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Unavailable, "list", e);
  }
}

Result<bool> SqliteRecordRepository::remove(std::string_view name, dns::RecordType type) {
  const std::lock_guard lock(mutex_);
  bool removed = false;
  Status status = inTransaction(describe("remove", name, type), [&] {
    SQLite::Statement& remove = statements_->remove;
    ResetOnExit reset(remove);
    remove.bind(":name", std::string(name));
    remove.bind(":type", typeText(type));
    removed = remove.exec() > 0;
    return removed;  // a remove of nothing is no change: no serial bump
  });
  if (!status.isOk()) {
    return status;
  }
  return removed;
}

Result<std::uint32_t> SqliteRecordRepository::changeSerial() const {
  const std::lock_guard lock(mutex_);
  try {
    SQLite::Statement& select = statements_->select_serial;
    ResetOnExit reset(select);
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
