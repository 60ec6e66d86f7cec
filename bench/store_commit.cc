// store-commit: what one group commit costs the AS's store (SqliteRecordRepository::apply), in
// the writer thread's CPU time and in wall time, without the network, the clients or the
// scheduler of a loaded machine in the figure: the part of a registration that the store's
// schema and SQL decide.
//
//   store-commit [--dir DIR] [--commits N] [--batches 1,12,64] [--history H] [--prefill P]
//
// For each batch size: a fresh database in DIR (default: a new folder under /tmp, removed
// afterwards), P names committed first (default 20,000, so the B-trees have their depth), then N
// group commits (default 2,000) of B new random names each, one change set per commit as the
// writer makes for lab registrations. --history is the IXFR journal's length (0: no journal).
// Prints CPU time (all, and in user space: SQLite and ours, steadier than the kernel's share,
// which follows the disk) and wall time, per commit and per name. Bounded: at most 100,000 commits.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/storage/sqlite_record_repository.h"

namespace {

// This thread's CPU time so far, in user space and in the kernel (WAL writes, fsync).
struct CpuMicros {
  double user = 0;
  double system = 0;
};
CpuMicros threadCpu() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  const auto micros = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return {micros(usage.ru_utime), micros(usage.ru_stime)};
}

bool parseCount(const char* text, unsigned long max, unsigned long& out) {
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || value > max) {
    return false;
  }
  out = value;
  return true;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "store-commit: %s\nusage: store-commit [--dir DIR] [--commits N<=100000] "
               "[--batches B,B,...] [--history H] [--prefill P<=1000000]\n",
               why);
  return 2;
}

fibdns::authority::ChangeSet randomNames(std::mt19937_64& random, unsigned long count) {
  fibdns::authority::ChangeSet set;
  for (unsigned long i = 0; i < count; ++i) {
    const std::uint64_t id = random();
    fibdns::dns::ARecord record;
    record.name = "bench-c" + std::to_string(id % 1000000000000ULL) + ".fib.test";
    record.address = fibdns::dns::Ipv4Address{{10, static_cast<std::uint8_t>(id >> 8),
                                               static_cast<std::uint8_t>(id >> 16),
                                               static_cast<std::uint8_t>(id >> 24)}};
    record.ttl = 60;
    set.changes.push_back(fibdns::authority::RecordChange::upsert(record));
    set.previous.emplace_back(std::nullopt);  // new names: nothing removed
  }
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  unsigned long commits = 2000, history = 10000, prefill = 20000;
  std::vector<unsigned long> batches = {1, 12, 64};
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      return usage(("missing value for " + std::string(flag)).c_str());
    }
    const char* value = argv[++i];
    if (flag == "--dir") {
      dir = value;
    } else if (flag == "--commits") {
      if (!parseCount(value, 100000, commits) || commits == 0) return usage("bad --commits");
    } else if (flag == "--history") {
      if (!parseCount(value, 10000000, history)) return usage("bad --history");
    } else if (flag == "--prefill") {
      if (!parseCount(value, 1000000, prefill)) return usage("bad --prefill");
    } else if (flag == "--batches") {
      batches.clear();
      std::string list = value;
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        unsigned long batch = 0;
        if (!parseCount(list.substr(start, comma - start).c_str(), 10000, batch) || batch == 0) {
          return usage("bad --batches");
        }
        batches.push_back(batch);
        start = comma + 1;
      }
    } else {
      return usage(("unknown flag " + std::string(flag)).c_str());
    }
  }
  bool remove_dir = false;
  if (dir.empty()) {
    char pattern[] = "/tmp/fibdns-storecommit.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      return usage("cannot create a folder under /tmp");
    }
    dir = pattern;
    remove_dir = true;
  }

  std::printf(
      "store-commit: %lu commits per batch size after %lu names, --ixfr-history %lu, in %s\n",
      commits, prefill, history, dir.c_str());
  std::printf("  %6s %22s %18s %18s %16s\n", "batch", "CPU us/commit (user)", "CPU us/name",
              "user us/name", "wall us/name");
  std::mt19937_64 random(42);
  int status = 0;
  for (const unsigned long batch : batches) {
    const std::string path = dir + "/store-" + std::to_string(batch) + ".db";
    fibdns::storage::SqliteRecordRepositoryOptions options;
    options.ixfr_history = history;
    auto opened = fibdns::storage::SqliteRecordRepository::open(path, options);
    if (!opened) {
      std::fprintf(stderr, "store-commit: %s\n", opened.status().message().c_str());
      status = 1;
      break;
    }
    auto& store = **opened;
    for (unsigned long done = 0; done < prefill; done += 1000) {
      const auto set = randomNames(random, std::min(1000UL, prefill - done));
      if (!store.apply({&set, 1})) {
        std::fprintf(stderr, "store-commit: prefill failed\n");
        return 1;
      }
    }
    std::vector<fibdns::authority::ChangeSet> sets;
    sets.reserve(commits);
    for (unsigned long i = 0; i < commits; ++i) {
      sets.push_back(randomNames(random, batch));
    }
    const CpuMicros cpu0 = threadCpu();
    const auto wall0 = std::chrono::steady_clock::now();
    for (const auto& set : sets) {
      if (auto committed = store.apply({&set, 1}); !committed) {
        std::fprintf(stderr, "store-commit: %s\n", committed.status().message().c_str());
        return 1;
      }
    }
    const CpuMicros cpu1 = threadCpu();
    const double user = cpu1.user - cpu0.user;
    const double cpu = user + cpu1.system - cpu0.system;
    const double wall =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall0).count();
    const double n = static_cast<double>(commits);
    std::printf("  %6lu %13.1f (%6.1f) %18.2f %18.2f %16.2f\n", batch, cpu / n, user / n,
                cpu / n / batch, user / n / batch, wall / n / batch);
  }
  if (remove_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return status;
}
