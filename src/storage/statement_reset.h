#pragma once

// Private to fibdns_storage.

#include <exception>

#include <SQLiteCpp/Statement.h>

namespace fibdns::storage::detail {

/// Leaves a prepared statement ready for its next use when the scope ends, however it ends:
/// reset (a SELECT that is not reset keeps its read transaction open, blocking WAL checkpoints)
/// and unbound (a text bound with bindNoCopy must not stay bound past the buffer it points into,
/// SQLite's rule for SQLITE_STATIC). Declare the buffers bound without copies before the guard,
/// so that they are still alive when it runs.
class StatementReset {
 public:
  explicit StatementReset(SQLite::Statement& statement) : statement_(statement) {}
  ~StatementReset() {
    (void)statement_.tryReset();  // reports the last step's error again: already handled
    try {
      statement_.clearBindings();  // SQLiteCpp checks a result that is always SQLITE_OK
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): not from a destructor
    }
  }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  SQLite::Statement& statement_;
};

}  // namespace fibdns::storage::detail
