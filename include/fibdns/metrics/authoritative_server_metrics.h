#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "fibdns/metrics/exposition.h"

namespace fibdns::metrics {

/// The AS's series, created once (every label combination up front), so the query path only
/// does an atomic add: no map lookup, no lock, no allocation. For the AS's composition root:
///
///   metrics::Exposition exposition("as");
///   metrics::AuthoritativeServerMetrics as_metrics(
///       exposition, [&] { return double(cache.size()); }, [&] { return double(serial); });
///   as_metrics.dnsQuery(DnsTransport::Udp, 3).Increment();        // an NXDOMAIN over UDP
///   as_metrics.labRequest(LabOutcome::Answer).Increment();
///   as_metrics.registration(RegistrationOutcome::Succeeded).Increment(batch_size);
///   as_metrics.commitDuration().Observe(seconds);
///   metrics::MetricsHttpServer server([&] { return exposition.render(); }, options);
///
/// Series (Prometheus conventions; promtool-clean):
///   fibdns_authoritative_server_dns_queries_total{transport="udp|tcp",rcode="NOERROR|FORMERR|
///     SERVFAIL|NXDOMAIN|NOTIMP|REFUSED|OTHER"}
///   fibdns_authoritative_server_lab_requests_total{outcome="answer|not_found|registration|
///     bad_request|server_error"}
///   fibdns_authoritative_server_registrations_total{outcome="succeeded|failed|busy"}
///   fibdns_authoritative_server_commit_duration_seconds (histogram, latencyBuckets())
///   fibdns_authoritative_server_records, fibdns_authoritative_server_zone_serial (gauges read at
///     scrape time from the callbacks, which must be thread-safe)
/// Thread-safe: the references returned are prometheus-cpp metrics (atomic). The object must
/// outlive every user of those references and the exposition's last render().
enum class DnsTransport : std::uint8_t { Udp, Tcp };
enum class LabOutcome : std::uint8_t { Answer, NotFound, Registration, BadRequest, ServerError };
enum class RegistrationOutcome : std::uint8_t { Succeeded, Failed, Busy };

class AuthoritativeServerMetrics {
 public:
  AuthoritativeServerMetrics(Exposition& exposition, std::function<double()> records,
                             std::function<double()> zone_serial);
  AuthoritativeServerMetrics(const AuthoritativeServerMetrics&) = delete;
  AuthoritativeServerMetrics& operator=(const AuthoritativeServerMetrics&) = delete;

  /// `rcode` is the RFC 1035 RCODE (0..5 by name; anything else counts as OTHER).
  prometheus::Counter& dnsQuery(DnsTransport transport, unsigned rcode) {
    return *dns_queries_[static_cast<std::size_t>(transport)][rcode < 6 ? rcode : 6];
  }
  prometheus::Counter& labRequest(LabOutcome outcome) {
    return *lab_requests_[static_cast<std::size_t>(outcome)];
  }
  prometheus::Counter& registration(RegistrationOutcome outcome) {
    return *registrations_[static_cast<std::size_t>(outcome)];
  }
  prometheus::Histogram& commitDuration() { return *commit_duration_; }

 private:
  std::array<std::array<prometheus::Counter*, 7>, 2> dns_queries_{};
  std::array<prometheus::Counter*, 5> lab_requests_{};
  std::array<prometheus::Counter*, 3> registrations_{};
  prometheus::Histogram* commit_duration_ = nullptr;
};

}  // namespace fibdns::metrics
