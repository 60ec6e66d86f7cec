#include "fibdns/metrics/authoritative_server_metrics.h"

#include <memory>
#include <utility>

namespace fibdns::metrics {

AuthoritativeServerMetrics::AuthoritativeServerMetrics(Exposition& exposition,
                                                       std::function<double()> records,
                                                       std::function<double()> zone_serial) {
  prometheus::Registry& registry = exposition.registry();
  auto& queries = prometheus::BuildCounter()
                      .Name("fibdns_authoritative_server_dns_queries_total")
                      .Help("Standard DNS queries answered, by transport and response code.")
                      .Register(registry);
  const char* transports[] = {"udp", "tcp"};
  const char* rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                          "NOTIMP",  "REFUSED", "OTHER"};
  for (std::size_t t = 0; t < dns_queries_.size(); ++t) {
    for (std::size_t r = 0; r < dns_queries_[t].size(); ++r) {
      dns_queries_[t][r] = &queries.Add({{"transport", transports[t]}, {"rcode", rcodes[r]}});
    }
  }
  auto& lab = prometheus::BuildCounter()
                  .Name("fibdns_authoritative_server_lab_requests_total")
                  .Help("Lab-protocol requests answered, by outcome.")
                  .Register(registry);
  const char* lab_outcomes[] = {"answer", "not_found", "registration", "bad_request",
                                "server_error"};
  for (std::size_t i = 0; i < lab_requests_.size(); ++i) {
    lab_requests_[i] = &lab.Add({{"outcome", lab_outcomes[i]}});
  }
  auto& registrations = prometheus::BuildCounter()
                            .Name("fibdns_authoritative_server_registrations_total")
                            .Help("Registrations acknowledged, by outcome.")
                            .Register(registry);
  const char* registration_outcomes[] = {"succeeded", "failed", "busy"};
  for (std::size_t i = 0; i < registrations_.size(); ++i) {
    registrations_[i] = &registrations.Add({{"outcome", registration_outcomes[i]}});
  }
  commit_duration_ = &prometheus::BuildHistogram()
                          .Name("fibdns_authoritative_server_commit_duration_seconds")
                          .Help("Time to commit one batch of registrations to SQLite.")
                          .Register(registry)
                          .Add({}, latencyBuckets());
  exposition.addCollectable(std::make_shared<CallbackGauge>(
      "fibdns_authoritative_server_records", "Records in the store.", std::move(records)));
  exposition.addCollectable(std::make_shared<CallbackGauge>(
      "fibdns_authoritative_server_zone_serial", "The zones' SOA serial.", std::move(zone_serial)));
}

}  // namespace fibdns::metrics
