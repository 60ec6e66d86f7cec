#include "integration/support/database_locker.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace fibdns::testing {

DatabaseLocker::DatabaseLocker(const std::string& db_path, const std::string& work_dir,
                               std::chrono::seconds hold_at_most)
    : locked_marker_(work_dir + "/locked"), release_marker_(work_dir + "/release") {
  std::filesystem::remove(locked_marker_);
  std::filesystem::remove(release_marker_);
  const long polls = static_cast<long>(hold_at_most.count()) * 100;  // every 10 ms
  const std::string wait_for_release = ".shell i=0; while [ ! -e '" + release_marker_ +
                                       "' ] && [ $i -lt " + std::to_string(polls) +
                                       " ]; do sleep 0.01; i=$((i+1)); done";
  // -bail: if BEGIN EXCLUSIVE fails, stop there (no marker). The CLI's busy timeout lets it wait
  // for a commit of the server that is under way.
  process_ = std::make_unique<ChildProcess>(
      "/usr/bin/env",
      std::vector<std::string>{"sqlite3", "-bail", "-cmd", ".timeout 5000", db_path,
                               "BEGIN EXCLUSIVE;", ".shell touch '" + locked_marker_ + "'",
                               wait_for_release, "COMMIT;"},
      work_dir + "/sqlite3-locker.log");
}

DatabaseLocker::~DatabaseLocker() {
  std::ofstream(release_marker_).flush();
  (void)process_->stop(SIGKILL, std::chrono::seconds(5));
}

bool DatabaseLocker::waitLocked(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(locked_marker_)) {
      return true;
    }
    if (!process_->running()) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int DatabaseLocker::release(std::chrono::milliseconds timeout) {
  std::ofstream(release_marker_).flush();
  return process_->wait(timeout);
}

}  // namespace fibdns::testing
