// short-slice: runs a command with a short scheduler time slice (100 us by default), which its
// threads inherit, e.g. `short-slice dnsperf ...`. The benchmarks run their measuring client this
// way on a machine whose cores the server and a write load keep busy, so that the client's own
// wake-ups, waiting behind threads with the default slice, are not counted as the server's
// latency. (Linux 6.12 and later; elsewhere the command runs with the default slice, and this
// says so.)
//   short-slice [--us N] COMMAND [ARGS...]

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fibdns/common/thread_scheduling.h"

int main(int argc, char** argv) {
  int first = 1;
  long microseconds = 100;
  if (argc > 1 && std::strcmp(argv[1], "--us") == 0) {
    if (argc < 3) {
      std::fprintf(stderr, "short-slice: --us needs a value\n");
      return 2;
    }
    char* end = nullptr;
    microseconds = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || microseconds < 100 || microseconds > 100000) {
      std::fprintf(stderr, "short-slice: --us takes 100..100000, not %s\n", argv[2]);
      return 2;
    }
    first = 3;
  }
  if (first >= argc) {
    std::fprintf(stderr, "usage: short-slice [--us N] COMMAND [ARGS...]\n");
    return 2;
  }
  if (!fibdns::requestShortTimeSlice(std::chrono::microseconds(microseconds))) {
    std::fprintf(stderr, "short-slice: this kernel does not take a %ld us slice; running with the default\n",
                 microseconds);
  }
  ::execvp(argv[first], argv + first);
  std::fprintf(stderr, "short-slice: cannot run %s: %s\n", argv[first], std::strerror(errno));
  return 127;
}
