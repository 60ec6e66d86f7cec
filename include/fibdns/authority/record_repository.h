#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// One change to the records: put a name's A record (latest wins), or remove it.
struct RecordChange {
  enum class Kind { Upsert, Remove };
  Kind kind = Kind::Upsert;
  dns::ARecord record;  // for Remove only record.name is used

  static RecordChange upsert(dns::ARecord record) { return {Kind::Upsert, std::move(record)}; }
  static RecordChange remove(std::string name) { return {Kind::Remove, {std::move(name), {}, 0}}; }
  bool operator==(const RecordChange&) const = default;
};

/// Changes that make one step of the zone's history (one lab batch, one UPDATE message): the
/// serial rises once per ChangeSet that changed a row, however many rows it changed.
struct ChangeSet {
  std::vector<RecordChange> changes;
  /// Optional, for the IXFR journal: previous[i] is the name's record just before changes[i]
  /// (none: the name had no record). Empty when the caller does not know.
  std::vector<std::optional<dns::ARecord>> previous;
};

/// What a commit did: the serial after it (unchanged when nothing changed), whether any row
/// changed, and the serial after each ChangeSet (in order).
struct CommitResult {
  std::uint32_t serial = 0;
  bool changed = false;
  std::vector<std::uint32_t> serials;
};

/// Everything the store holds, read defensively: rows that break the rules (someone may edit the
/// table by hand with sqlite3) are left out and described in `skipped`, one line each.
struct LoadedRecords {
  std::vector<dns::ARecord> records;  // ordered by name
  std::vector<std::string> skipped;   // e.g. "name 'A.Example' is not normalised"
  std::uint32_t serial = 0;
};

/// Where the AS keeps its Type A records. The seam that unit tests mock.
///
/// Contract (every implementation):
///  * Names passed in and returned are normalised (lowercase, no trailing dot); callers normalise.
///  * Not found is a value: find() returns an empty optional.
///  * A store failure is an error value with the reason; nothing throws. A write that could not
///    start because another connection holds the database's write lock (beyond the store's own
///    short busy wait) is DeadlineExceeded, so that the caller may retry later; other failures
///    are Unavailable (or InvalidArgument for data the schema rejects).
///  * apply() returns only once the changes are durable: after a crash they are still there.
///  * A name has at most one A record: an upsert replaces the address and TTL (latest wins).
///  * Not thread-safe unless an implementation says so.
class RecordRepository {
 public:
  virtual ~RecordRepository() = default;

  /// Applies every change set, in order, in ONE transaction (all or none: one fsync), raising
  /// the change serial by one for each set that changed a row. The serials returned come from
  /// that transaction (the serial it started from, stepped once per such set).
  virtual Result<CommitResult> apply(std::span<const ChangeSet> sets) = 0;

  /// Every valid record and the serial, for the start-up load (see LoadedRecords).
  virtual Result<LoadedRecords> loadAll() const = 0;

  /// The record of this name and type, or an empty optional when there is none. Internal when
  /// the stored row is not a valid record.
  virtual Result<std::optional<dns::ARecord>> find(std::string_view name,
                                                   dns::RecordType type) const = 0;

  /// A counter that rises by at least one with every committed change to the records and
  /// survives restarts. DNS serves it as the zone's SOA serial (RFC 1982 arithmetic is the
  /// reader's concern).
  virtual Result<std::uint32_t> changeSerial() const = 0;

  /// Moves what the write-ahead log holds into the database file and truncates the log, so that
  /// disk space comes back (called when the writer is idle). Unavailable when a reader of
  /// another process keeps it from finishing; harmless to retry.
  virtual Status checkpoint() = 0;

  // Conveniences over apply() for callers with a single change set.
  Result<CommitResult> commit(std::span<const RecordChange> changes) {
    const ChangeSet set{{changes.begin(), changes.end()}, {}};
    return apply(std::span<const ChangeSet>(&set, 1));
  }
  Status upsert(const dns::ARecord& record) {
    const RecordChange change = RecordChange::upsert(record);
    return commit(std::span<const RecordChange>(&change, 1)).status();
  }
  Status upsertAll(const std::vector<dns::ARecord>& records);
  Result<bool> remove(std::string_view name) {
    const RecordChange change = RecordChange::remove(std::string(name));
    auto result = commit(std::span<const RecordChange>(&change, 1));
    if (!result) {
      return result.status();
    }
    return result->changed;
  }
};

inline Status RecordRepository::upsertAll(const std::vector<dns::ARecord>& records) {
  std::vector<RecordChange> changes;
  changes.reserve(records.size());
  for (const dns::ARecord& record : records) {
    changes.push_back(RecordChange::upsert(record));
  }
  return commit(changes).status();
}

using RecordRepositoryPtr = std::unique_ptr<RecordRepository>;

}  // namespace fibdns::authority
