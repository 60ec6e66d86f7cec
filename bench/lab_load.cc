// lab-load: a bounded load client for the AS's lab text protocol on loopback.
//
//   lab-load --target 127.0.0.1:53533 [--seconds 5] [--window 16] [--writers 1,16]
//            [--only queries|writes]
//
// Prints (1) query throughput with a window of outstanding requests, closed loop, and
// (2) acknowledged registrations per second with W concurrent writers, each waiting for its
// acknowledgement before sending the next (so every counted registration is durable).
// `--only writes` runs (2) alone, for load beside another client (bench/engine_bench.sh);
// `--only queries` runs (1) alone. Every loop is bounded by time (at most 60 s per phase) and
// count; traffic goes only to the given target.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  sockaddr_in address{};
};

int connectedSocket(const Target& target) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&target.address),
                          sizeof target.address) != 0) {
    std::perror("socket/connect");
    std::exit(1);
  }
  return fd;
}

struct QueryResult {
  double qps = 0;
  long answered = 0;
  long timeouts = 0;
};

QueryResult runQueries(const Target& target, double seconds, int window) {
  const int fd = connectedSocket(target);
  const std::string query = "TYPE=A\nNAME=fibonacci.com\n";
  const long max_queries = 50'000'000;  // hard cap on top of the time bound
  long sent = 0;
  long answered = 0;
  long timeouts = 0;
  auto send_one = [&] {
    if (::send(fd, query.data(), query.size(), 0) >= 0) {
      ++sent;
    }
  };
  for (int i = 0; i < window; ++i) {
    send_one();
  }
  char buffer[2048];
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end && sent < max_queries) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) {
      // Lost datagrams (or no server): refill the window.
      ++timeouts;
      for (int i = 0; i < window; ++i) {
        send_one();
      }
      continue;
    }
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
      ++answered;
      send_one();
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  return {static_cast<double>(answered) / elapsed, answered, timeouts};
}

struct WriteResult {
  double per_second = 0;
  long acknowledged = 0;
  long refused = 0;     // answered, but not "Registration Succeeded!" (e.g. busy, database busy)
  long unanswered = 0;  // no reply within 2 s, or the send failed
  double max_ack_ms = 0;  // slowest acknowledgement (request sent -> reply received)
};

WriteResult runRegistrations(const Target& target, double seconds, int writers, int round) {
  std::atomic<long> acknowledged{0};
  std::atomic<long> refused{0};
  std::atomic<long> unanswered{0};
  std::atomic<long> max_ack_us{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const int fd = connectedSocket(target);
      char buffer[2048];
      for (long n = 0; n < 1'000'000 && Clock::now() < end; ++n) {
        const std::string request = "TYPE=A\nNAME=bench-r" + std::to_string(round) + "-w" +
                                    std::to_string(w) + "-" + std::to_string(n) +
                                    ".test\nVALUE=10.0." + std::to_string(n % 256) + "." +
                                    std::to_string(w % 256) + "\nTTL=10\n";
        // A reply that came after its 2 s deadline must not count for the next request.
        while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
        }
        const auto sent_at = Clock::now();
        if (::send(fd, request.data(), request.size(), 0) < 0) {
          ++unanswered;
          continue;
        }
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 2000) <= 0) {
          ++unanswered;
          continue;
        }
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got > 0 &&
            std::string_view(buffer, static_cast<std::size_t>(got)) == "Registration Succeeded!") {
          ++acknowledged;
          const long us = static_cast<long>(
              std::chrono::duration<double, std::micro>(Clock::now() - sent_at).count());
          long seen = max_ack_us.load();
          while (us > seen && !max_ack_us.compare_exchange_weak(seen, us)) {
          }
        } else {
          ++refused;
        }
      }
      ::close(fd);
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(acknowledged.load()) / elapsed, acknowledged.load(), refused.load(),
          unanswered.load(), static_cast<double>(max_ack_us.load()) / 1000.0};
}

bool parseTarget(const std::string& text, Target& target) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  target.address.sin_family = AF_INET;
  target.address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
  return ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &target.address.sin_addr) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target_text = "127.0.0.1:53533";
  double seconds = 5;
  int window = 16;
  std::vector<int> writer_counts = {1, 16};
  bool run_queries = true;
  bool run_writes = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--target") {
      target_text = value;
    } else if (flag == "--seconds") {
      seconds = std::min(60.0, std::atof(value.c_str()));
    } else if (flag == "--window") {
      window = std::max(1, std::min(1024, std::atoi(value.c_str())));
    } else if (flag == "--only") {
      if (value != "queries" && value != "writes") {
        std::fprintf(stderr, "--only takes queries or writes, not %s\n", value.c_str());
        return 2;
      }
      run_queries = value == "queries";
      run_writes = value == "writes";
    } else if (flag == "--writers") {
      writer_counts.clear();
      std::size_t pos = 0;
      while (pos <= value.size()) {
        const std::size_t comma = value.find(',', pos);
        writer_counts.push_back(std::max(1, std::min(256, std::atoi(value.substr(pos).c_str()))));
        if (comma == std::string::npos) {
          break;
        }
        pos = comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  Target target;
  if (!parseTarget(target_text, target)) {
    std::fprintf(stderr, "bad --target %s (want IPV4:PORT)\n", target_text.c_str());
    return 2;
  }
  // Make sure the queried name exists.
  {
    const int fd = connectedSocket(target);
    const std::string registration = "TYPE=A\nNAME=fibonacci.com\nVALUE=127.0.0.1\nTTL=10\n";
    (void)::send(fd, registration.data(), registration.size(), 0);
    pollfd pfd{fd, POLLIN, 0};
    char buffer[256];
    if (::poll(&pfd, 1, 2000) <= 0 || ::recv(fd, buffer, sizeof buffer, 0) <= 0) {
      std::fprintf(stderr, "no answer from %s\n", target_text.c_str());
      return 1;
    }
    ::close(fd);
  }

  std::printf("%-52s %12s %12s\n", "lab protocol on loopback", "fibdns AS", "baseline");
  if (run_queries) {
    const QueryResult queries = runQueries(target, seconds, window);
    std::printf("%-52s %12.0f %12s\n",
                ("queries/s, closed loop, " + std::to_string(window) + " outstanding").c_str(),
                queries.qps, "11,000 (seed Python AS)");
    std::printf("%-52s %12ld\n", "  queries answered", queries.answered);
    std::printf("%-52s %12ld\n", "  window refills after a 200 ms silence", queries.timeouts);
  }
  int round = static_cast<int>(::getpid());
  for (int writers : run_writes ? writer_counts : std::vector<int>{}) {
    const WriteResult writes = runRegistrations(target, seconds, writers, round++);
    std::printf("%-52s %12.0f %12s\n",
                ("durable registrations/s, " + std::to_string(writers) + " writer(s)").c_str(),
                writes.per_second, "3,200 (PowerDNS gsqlite3, 1 txn per record, FULL)");
    std::printf("%-52s %12ld\n", "  acknowledged", writes.acknowledged);
    std::printf("%-52s %12ld\n", "  refused (Registration Failed!)", writes.refused);
    std::printf("%-52s %12ld\n", "  unanswered within 2 s", writes.unanswered);
    std::printf("%-52s %12.1f\n", "  slowest acknowledgement, ms", writes.max_ack_ms);
  }
  return 0;
}
