#include "fibdns/storage/zone_journal.h"

#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "storage/sqlite_status.h"
#include "storage/statement_reset.h"

namespace fibdns::storage {
namespace {

using detail::StatementReset;

// One row per step, its records in one JSON array (migration 0004): one insert per commit.
constexpr const char* kInsertChange =
    "INSERT INTO zone_changes (serial_from, serial_to, records) VALUES (:from, :to, :records)";
constexpr const char* kNewestId = "SELECT COALESCE(MAX(id), 0) FROM zone_changes";
constexpr const char* kCount = "SELECT COUNT(*) FROM zone_changes";
constexpr const char* kPruneChanges = "DELETE FROM zone_changes WHERE id <= :cutoff";
// The newest step starting at the client's serial (within a pruned window serials are unique;
// the newest is the one that leads to the present if they ever were not).
constexpr const char* kFindStart =
    "SELECT id FROM zone_changes WHERE serial_from = :from ORDER BY id DESC LIMIT 1";
constexpr const char* kStepsFrom =
    "SELECT id, serial_from, serial_to, json_type(records) IS 'array' FROM zone_changes"
    " WHERE id >= :first ORDER BY id LIMIT :limit";
// The steps' records, a row each. Name order is SQLite's BINARY collation, byte order: the
// order ChangeSet promises. `shaped` is 0 for an element that is not the five-element array
// append() writes (a hand edit): readChain refuses the chain rather than skip it. JSON true and
// false read as 1 and 0 through ->>, so the TTL's JSON type is checked, not its SQL type.
constexpr const char* kRecordsBetween =
    "SELECT c.id, r.value ->> 0 AS action, r.value ->> 1 AS name, r.value ->> 2, r.value ->> 3,"
    " r.value ->> 4,"
    " r.type = 'array' AND json_array_length(r.value) = 5"
    " AND json_type(r.value, '$[0]') = 'text' AND json_type(r.value, '$[1]') = 'text'"
    " AND json_type(r.value, '$[2]') = 'text' AND json_type(r.value, '$[3]') = 'text'"
    " AND json_type(r.value, '$[4]') = 'integer'"
    " FROM zone_changes AS c, json_each(c.records) AS r"
    " WHERE c.id BETWEEN :first AND :last ORDER BY c.id, action, name";

constexpr std::int64_t kMaxSerial = 4294967295;

// The one rule for a journal record, when it is written and when it is read back: a name in the
// form the store keeps (normalised, as loadAll requires) and a TTL within RFC 2181's limit. So
// whatever append() accepts, readChain() reads back, and a hand edit that breaks it is refused.
bool isJournalRecord(const std::string& name, std::int64_t ttl) {
  return ttl >= 0 && ttl <= dns::kMaxTtl && dns::isNormalizedHostName(name);
}

}  // namespace

struct ZoneJournal::Statements {
  explicit Statements(SQLite::Database& db)
      : insert_change(db, kInsertChange),
        newest_id(db, kNewestId),
        count(db, kCount),
        prune_changes(db, kPruneChanges),
        find_start(db, kFindStart),
        steps_from(db, kStepsFrom),
        records_between(db, kRecordsBetween) {}

  SQLite::Statement insert_change;
  SQLite::Statement newest_id;
  SQLite::Statement count;
  SQLite::Statement prune_changes;
  SQLite::Statement find_start;
  SQLite::Statement steps_from;
  SQLite::Statement records_between;
};

namespace {

// A read snapshot for the lifetime of the object: SAVEPOINT starts a (deferred) transaction when
// none is open and nests inside the caller's otherwise. Without it, a writer on another
// connection could prune steps between our statements and leave a chain without its records.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(SQLite::Database& db) : db_(db) { db_.exec("SAVEPOINT zone_journal_read"); }
  ~ReadSnapshot() {
    try {
      db_.exec("RELEASE zone_journal_read");
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): nothing was written
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  SQLite::Database& db_;
};

Status fromSqlite(const SQLite::Exception& e, const char* context) {
  return detail::statusFrom(
      detail::isEnvironmentFailure(e) ? StatusCode::Unavailable : StatusCode::Internal, context, e);
}

}  // namespace

ZoneJournal::ZoneJournal(SQLite::Database& db, std::unique_ptr<Statements> statements)
    : db_(&db), statements_(std::move(statements)) {}
ZoneJournal::ZoneJournal(ZoneJournal&&) noexcept = default;
ZoneJournal& ZoneJournal::operator=(ZoneJournal&&) noexcept = default;
ZoneJournal::~ZoneJournal() = default;

Result<ZoneJournal> ZoneJournal::open(SQLite::Database& db) {
  try {
    if (!db.tableExists("zone_changes")) {
      return failedPrecondition(
          "zone journal: table zone_changes is missing (migration create_zone_changes not "
          "applied)");
    }
    return ZoneJournal(db, std::make_unique<Statements>(db));
  } catch (const SQLite::Exception& e) {
    return fromSqlite(e, "zone journal: prepare");
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Internal, "zone journal: prepare", e);
  }
}

Status ZoneJournal::append(const transfer::ChangeSet& change) {
  for (const auto* list : {&change.removed, &change.added}) {
    for (const dns::ARecord& record : *list) {
      if (!isJournalRecord(record.name, record.ttl)) {
        return internalError("zone journal: append: record '" + record.name +
                             "' is not storable (name not normalised, or TTL above 2147483647)");
      }
    }
  }
  // The row's records, as migration 0004 describes them (RapidJSON escapes what needs it).
  rapidjson::StringBuffer records;
  rapidjson::Writer<rapidjson::StringBuffer> json(records);
  json.StartArray();
  const auto add = [&](const dns::ARecord& record, const char* action) {
    json.StartArray();
    json.String(action);
    json.String(record.name.data(), static_cast<rapidjson::SizeType>(record.name.size()));
    json.String("A");
    const std::string address = record.address.toString();
    json.String(address.data(), static_cast<rapidjson::SizeType>(address.size()));
    json.Uint(record.ttl);
    json.EndArray();
  };
  for (const dns::ARecord& record : change.removed) {
    add(record, "removed");
  }
  for (const dns::ARecord& record : change.added) {
    add(record, "added");
  }
  json.EndArray();
  try {
    auto& insert_change = statements_->insert_change;
    const StatementReset reset(insert_change);
    insert_change.bind(":from", static_cast<std::int64_t>(change.serial_from));
    insert_change.bind(":to", static_cast<std::int64_t>(change.serial_to));
    insert_change.bindNoCopy(":records", records.GetString());  // TEXT, NUL-terminated
    insert_change.exec();
    return Status::ok();
  } catch (const SQLite::Exception& e) {
    return fromSqlite(e, "zone journal: append");
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Internal, "zone journal: append", e);
  }
}

Result<std::size_t> ZoneJournal::prune(std::size_t keep) {
  try {
    std::int64_t newest = 0;
    {
      const StatementReset reset(statements_->newest_id);
      if (statements_->newest_id.executeStep()) {
        newest = statements_->newest_id.getColumn(0).getInt64();
      }
    }
    const auto keep64 = static_cast<std::int64_t>(std::min<std::size_t>(keep, INT64_MAX / 2));
    if (newest <= keep64) {
      return std::size_t{0};
    }
    const std::int64_t cutoff = newest - keep64;  // ids are dense: one per append
    const StatementReset reset(statements_->prune_changes);
    statements_->prune_changes.bind(":cutoff", cutoff);
    return static_cast<std::size_t>(statements_->prune_changes.exec());
  } catch (const SQLite::Exception& e) {
    return fromSqlite(e, "zone journal: prune");
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Internal, "zone journal: prune", e);
  }
}

Result<std::size_t> ZoneJournal::size() {
  try {
    const StatementReset reset(statements_->count);
    statements_->count.executeStep();
    return static_cast<std::size_t>(statements_->count.getColumn(0).getInt64());
  } catch (const SQLite::Exception& e) {
    return fromSqlite(e, "zone journal: count");
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Internal, "zone journal: count", e);
  }
}

Result<std::vector<transfer::ChangeSet>> ZoneJournal::readChain(std::uint32_t from,
                                                                std::uint32_t to,
                                                                std::size_t max_steps) {
  const auto not_found = [&] {
    return notFound("zone journal: no chain of steps from serial " + std::to_string(from) + " to " +
                    std::to_string(to));
  };
  try {
    const ReadSnapshot snapshot(*db_);
    std::int64_t first_id = 0;
    {
      auto& find_start = statements_->find_start;
      const StatementReset reset(find_start);
      find_start.bind(":from", static_cast<std::int64_t>(from));
      if (!find_start.executeStep()) {
        return not_found();
      }
      first_id = find_start.getColumn(0).getInt64();
    }

    std::vector<transfer::ChangeSet> chain;
    std::vector<std::int64_t> ids;
    {
      auto& steps = statements_->steps_from;
      const StatementReset reset(steps);
      steps.bind(":first", first_id);
      steps.bind(":limit", static_cast<std::int64_t>(std::min<std::size_t>(max_steps, INT32_MAX)));
      std::uint32_t expected_from = from;
      bool reached = false;
      while (!reached && steps.executeStep()) {
        const std::int64_t serial_from = steps.getColumn(1).getInt64();
        const std::int64_t serial_to = steps.getColumn(2).getInt64();
        if (serial_from != expected_from || serial_to < 0 || serial_to > kMaxSerial) {
          return not_found();  // a hole: a step is missing, so the chain cannot be bridged
        }
        if (steps.getColumn(3).getInt() == 0) {
          return internalError("zone journal: records of change " +
                               std::to_string(steps.getColumn(0).getInt64()) +
                               " are not a JSON array");
        }
        transfer::ChangeSet step;
        step.serial_from = expected_from;
        step.serial_to = static_cast<std::uint32_t>(serial_to);
        ids.push_back(steps.getColumn(0).getInt64());
        chain.push_back(std::move(step));
        expected_from = static_cast<std::uint32_t>(serial_to);
        reached = expected_from == to;
      }
      if (!reached) {
        return not_found();
      }
    }

    auto& records = statements_->records_between;
    const StatementReset reset(records);
    records.bind(":first", ids.front());
    records.bind(":last", ids.back());
    std::size_t step = 0;
    while (records.executeStep()) {
      const std::int64_t change_id = records.getColumn(0).getInt64();
      while (step < ids.size() && ids[step] < change_id) {
        ++step;
      }
      if (step == ids.size() || ids[step] != change_id) {
        return internalError("zone journal: record row of unknown change " +
                             std::to_string(change_id));
      }
      const std::string action = records.getColumn(1).getString();
      dns::ARecord record;
      record.name = records.getColumn(2).getString();
      const bool shaped = records.getColumn(6).getInt() != 0;
      if (shaped && records.getColumn(3).getString() != "A") {
        continue;  // another type: not served by IXFR yet
      }
      auto address = dns::parseIpv4(records.getColumn(4).getString());
      const std::int64_t ttl = records.getColumn(5).getInt64();
      auto& list = action == "removed" ? chain[step].removed : chain[step].added;
      // Rows come sorted by action, then name: a name twice in a list follows itself.
      const bool duplicate = !list.empty() && list.back().name == record.name;
      if (!shaped || !address || !isJournalRecord(record.name, ttl) || duplicate ||
          (action != "removed" && action != "added")) {
        return internalError("zone journal: malformed record row of change " +
                             std::to_string(change_id) + " for '" + record.name + "'");
      }
      record.address = *address;
      record.ttl = static_cast<std::uint32_t>(ttl);
      list.push_back(std::move(record));
    }
    return chain;
  } catch (const SQLite::Exception& e) {
    return fromSqlite(e, "zone journal: read");
  } catch (const std::exception& e) {
    return detail::statusFrom(StatusCode::Internal, "zone journal: read", e);
  }
}

}  // namespace fibdns::storage
