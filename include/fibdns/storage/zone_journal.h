#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/transfer/change_set.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace fibdns::storage {

/// The IXFR journal in SQLite (table zone_changes, a step's records in one JSON array in its
/// row: migrations create_zone_changes and keep_change_records_in_their_step): append a
/// committed step, prune to the newest N steps, read the chain of steps between two serials.
///
/// append() and prune() never begin, commit or roll back: they run inside the transaction the
/// caller (the writer) opened for the change itself, so the journal and the records can never
/// disagree, even after kill -9. readChain() reads its three statements inside one SAVEPOINT:
/// one consistent snapshot even while another connection appends and prunes (WAL), nested in
/// the caller's transaction when one is open.
///
/// One ZoneJournal per connection (the statements are prepared once, on that connection); not
/// thread-safe, like the connection. Nothing throws: SQLite errors become Unavailable
/// (busy, I/O, full disk...) or Internal (a constraint, or a records value that is not the JSON
/// append() writes: a bug or a hand edit).
class ZoneJournal {
 public:
  /// Prepares the statements. FailedPrecondition when the journal tables are missing (the
  /// migration has not run). `db` must outlive the journal.
  static Result<ZoneJournal> open(SQLite::Database& db);

  ZoneJournal(ZoneJournal&&) noexcept;
  ZoneJournal& operator=(ZoneJournal&&) noexcept;
  ~ZoneJournal();

  /// Records one committed step (serial_from -> serial_to, its removed and added records).
  /// Empty steps are recorded too: the chain of serials must have no holes.
  Status append(const transfer::ChangeSet& change);

  /// Deletes every step but the newest `keep` (commit order, not serial order: serials wrap).
  /// keep == 0 empties the journal. Returns the number of steps deleted.
  Result<std::size_t> prune(std::size_t keep);

  /// The consecutive steps from serial `from` to serial `to`, oldest first, records sorted by
  /// name within each list. NotFound when the journal has no step starting at `from` (pruned,
  /// or a serial we never had) or the steps from there do not lead to `to`: the caller answers
  /// with the whole zone instead. At most `max_steps` steps are read (NotFound beyond), so a
  /// hostile or odd request never reads an unbounded amount.
  Result<std::vector<transfer::ChangeSet>> readChain(std::uint32_t from, std::uint32_t to,
                                                     std::size_t max_steps = 100000);

  /// How many steps the journal holds.
  Result<std::size_t> size();

 private:
  struct Statements;
  explicit ZoneJournal(SQLite::Database& db, std::unique_ptr<Statements> statements);

  SQLite::Database* db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace fibdns::storage
