#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "fibdns/metrics/exposition.h"

namespace fibdns::metrics {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily result;
  result.name = std::move(name);
  result.help = std::move(help);
  result.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  result.metric.push_back(metric);
  return result;
}

std::optional<double> cpuSeconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) {
    return std::nullopt;
  }
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// /proc/self/statm: size and resident, in pages.
std::optional<std::pair<double, double>> memoryBytes() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (!(statm >> size >> resident)) {
    return std::nullopt;
  }
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<double>(size) * static_cast<double>(page),
                        static_cast<double>(resident) * static_cast<double>(page));
}

std::optional<double> openFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    return std::nullopt;
  }
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') {
      count += 1;
    }
  }
  ::closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

std::optional<double> maxFds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  return static_cast<double>(limit.rlim_cur);
}

/// Boot time (btime in /proc/stat) + the process's start (field 22 of /proc/self/stat, in clock
/// ticks since boot).
std::optional<double> startTimeSeconds() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Field 2 (comm) is parenthesised and may hold spaces: count fields after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 22) {
      start_ticks = std::stoull(field);
      break;
    }
  }
  std::ifstream proc_stat("/proc/stat");
  std::string key;
  unsigned long long boot_time = 0;
  while (proc_stat >> key) {
    if (key == "btime") {
      proc_stat >> boot_time;
      break;
    }
    proc_stat.ignore(1 << 16, '\n');
  }
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (boot_time == 0 || start_ticks == 0 || ticks_per_second <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(boot_time) +
         static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  try {
    if (auto cpu = cpuSeconds()) {
      families.push_back(family("process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.",
                                MetricType::Counter, *cpu));
    }
    if (auto memory = memoryBytes()) {
      families.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                MetricType::Gauge, memory->first));
      families.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                MetricType::Gauge, memory->second));
    }
    if (auto open = openFds()) {
      families.push_back(
          family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *open));
    }
    if (auto max = maxFds()) {
      families.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                                MetricType::Gauge, *max));
    }
    if (auto start = startTimeSeconds()) {
      families.push_back(family("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.",
                                MetricType::Gauge, *start));
    }
  } catch (const std::exception&) {
    // A /proc read that went wrong (std::stoull): report what we have.
  }
  return families;
}

}  // namespace fibdns::metrics
