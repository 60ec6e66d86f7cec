#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration/support/sockets.h"  // udpExchange, waitForUdpReply: every test that starts a server
#include "support/temp_dir.h"

namespace fibdns::testing {

/// A real binary started as a separate process, killed and reaped when the guard goes away.
/// Its stderr (and stdout) go to a log file so a failing test can show them.
class ChildProcess {
 public:
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// Sends a signal and waits (bounded) for the exit; returns the exit status as from waitpid,
  /// or -1 when it did not exit in time (then it is SIGKILLed).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Waits (bounded) for the process to exit by itself; the waitpid status or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

/// A UDP port on `ip` that was free a moment ago.
unsigned short freeUdpPort(const std::string& ip);
/// A TCP port on `ip` that was free a moment ago.
unsigned short freeTcpPort(const std::string& ip);

/// How many times `needle` occurs in `text`, without overlaps (counting lines in a log or in a
/// command's output).
std::size_t countOccurrences(const std::string& text, const std::string& needle);

/// The whole content of a file; empty when it cannot be read (a log not written yet).
std::string readFile(const std::string& path);

/// Runs a shell command, returns its stdout; `status` gets the exit status.
std::string runCommand(const std::string& command, int* status = nullptr);

/// Path of a project binary, e.g. binaryPath("authoritative-server").
std::string binaryPath(const std::string& name);

}  // namespace fibdns::testing
