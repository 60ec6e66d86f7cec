#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

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

/// Sends one datagram from a fresh socket and waits up to `timeout` for the reply; empty when
/// none came.
std::string udpExchange(const std::string& ip, unsigned short port, const std::string& request,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

/// Asks `request` until a reply comes (the server is up) or `timeout` passes; the reply or "".
/// Polls every 20 ms: a closed port answers at once with ICMP, so this must not spin.
std::string waitForUdpReply(const std::string& ip, unsigned short port, const std::string& request,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Runs a shell command, returns its stdout; `status` gets the exit status.
std::string runCommand(const std::string& command, int* status = nullptr);

/// Path of a project binary, e.g. binaryPath("authoritative-server").
std::string binaryPath(const std::string& name);

}  // namespace fibdns::testing
