#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "integration/support/process.h"

namespace fibdns::testing {

/// Another process holding an exclusive lock on an SQLite database: the `sqlite3` CLI runs
/// `BEGIN EXCLUSIVE`, says so by creating a marker file, and keeps the transaction open until
/// release() (or, as a safety bound, `hold_at_most`), then commits and exits.
class DatabaseLocker {
 public:
  /// `work_dir` receives the marker files and the CLI's log.
  DatabaseLocker(const std::string& db_path, const std::string& work_dir,
                 std::chrono::seconds hold_at_most = std::chrono::seconds(15));
  ~DatabaseLocker();
  DatabaseLocker(const DatabaseLocker&) = delete;
  DatabaseLocker& operator=(const DatabaseLocker&) = delete;

  /// Waits (bounded) until the lock is held; false when the CLI failed or did not get there.
  bool waitLocked(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool running() { return process_->running(); }
  /// Lets the CLI commit and exit; returns its waitpid status, or -1 when it did not exit in
  /// `timeout`.
  int release(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string log() const { return process_->log(); }

 private:
  std::string locked_marker_;
  std::string release_marker_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace fibdns::testing
