#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

/// Prometheus metrics for the three servers, on Debian's prometheus-cpp (core part only: the
/// registry, counters, gauges, histograms and the text serializer; not its civetweb "pull"
/// exposer). CMake: find_package(prometheus-cpp CONFIG REQUIRED), target prometheus-cpp::core.
namespace fibdns::metrics {

/// The Content-Type of the Prometheus text exposition format 0.0.4.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Histogram buckets, in seconds, for latencies from 50 µs to 10 s (upstream calls, commits,
/// computations): roughly ×2.5 apart.
prometheus::Histogram::BucketBoundaries latencyBuckets();

/// A request path as a metric label: one of `routes` (a trailing slash ignored), else "other",
/// so that clients cannot create series by inventing paths.
std::string routeLabel(std::string_view path, const std::vector<std::string>& routes);

/// Adds the gauge `fibdns_build_info{server="<server>",version="<project version>"} 1` to
/// `registry` (the usual "info" pattern: join on it to label other series with the version).
void addBuildInfo(prometheus::Registry& registry, std::string_view server);

/// The standard process metrics, read from the kernel on every scrape (so a scrape costs a few
/// small /proc reads, and nothing is sampled in between):
///   process_cpu_seconds_total          user + system CPU time (getrusage)
///   process_resident_memory_bytes      RSS (/proc/self/statm)
///   process_virtual_memory_bytes       virtual size (/proc/self/statm)
///   process_open_fds                   entries in /proc/self/fd
///   process_max_fds                    RLIMIT_NOFILE soft limit
///   process_start_time_seconds         start time, seconds since the Unix epoch (/proc)
/// A value that cannot be read is left out of that scrape rather than reported as 0.
/// Thread-safe (Collect keeps no state). Linux only.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

/// A gauge whose value is read at scrape time from `read` (e.g. a queue length or a record count
/// that the owner already keeps): nothing to update on the hot path. `read` runs on the scraping
/// thread; it must be thread-safe and must not throw.
class CallbackGauge : public prometheus::Collectable {
 public:
  CallbackGauge(std::string name, std::string help, std::function<double()> read)
      : name_(std::move(name)), help_(std::move(help)), read_(std::move(read)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string name_;
  std::string help_;
  std::function<double()> read_;
};

/// Everything one server exposes at /metrics: its own registry (which already holds
/// fibdns_build_info for `server`) followed by the process metrics.
///
/// Usage, in main (the composition root):
///   metrics::Exposition exposition("as");
///   auto& queries = prometheus::BuildCounter().Name("fibdns_as_queries_total")
///                       .Help("...").Register(exposition.registry());
///   auto& udp_noerror = queries.Add({{"transport", "udp"}, {"rcode", "NOERROR"}});
///   udp_noerror.Increment();  // from any thread: prometheus-cpp metrics are atomic
///   ... exposition.render() gives the text format.
/// Thread-safe: render() may run while other threads update metrics or add new series.
/// Not copyable or movable: metrics hold references into the registry.
class Exposition {
 public:
  explicit Exposition(std::string_view server);
  Exposition(const Exposition&) = delete;
  Exposition& operator=(const Exposition&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  /// Adds another source (e.g. a collector that reads a service's own atomic counters at scrape
  /// time). It must outlive this object; it is rendered after the registry, before the process
  /// metrics. Call before serving (not thread-safe with render()).
  void addCollectable(std::shared_ptr<const prometheus::Collectable> collectable);

  /// The whole exposition in the text format 0.0.4 (see kContentType).
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<const prometheus::Collectable>> extra_;
  ProcessCollector process_;
};

}  // namespace fibdns::metrics
