#include "fibdns/metrics/authoritative_server_metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace fibdns::metrics {
namespace {

bool hasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(AuthoritativeServerMetrics, EverySeriesExistsFromTheStart) {
  Exposition exposition("as");
  AuthoritativeServerMetrics metrics(
      exposition, [] { return 12.0; }, [] { return 7.0; });
  const std::string text = exposition.render();
  EXPECT_TRUE(hasLine(
      text,
      "fibdns_authoritative_server_dns_queries_total{rcode=\"NXDOMAIN\",transport=\"tcp\"} 0"))
      << text;
  EXPECT_TRUE(
      hasLine(text, "fibdns_authoritative_server_lab_requests_total{outcome=\"bad_request\"} 0"));
  EXPECT_TRUE(hasLine(text, "fibdns_authoritative_server_registrations_total{outcome=\"busy\"} 0"));
  EXPECT_TRUE(hasLine(text, "fibdns_authoritative_server_commit_duration_seconds_count 0"));
  EXPECT_TRUE(hasLine(text, "fibdns_authoritative_server_records 12"));
  EXPECT_TRUE(hasLine(text, "fibdns_authoritative_server_zone_serial 7"));
}

TEST(AuthoritativeServerMetrics, CountsLandOnTheirOwnSeries) {
  Exposition exposition("as");
  AuthoritativeServerMetrics metrics(
      exposition, [] { return 0.0; }, [] { return 0.0; });
  metrics.dnsQuery(DnsTransport::Udp, 0).Increment();
  metrics.dnsQuery(DnsTransport::Udp, 3).Increment(2);
  metrics.dnsQuery(DnsTransport::Tcp, 9).Increment();  // not one of 0..5
  metrics.labRequest(LabOutcome::NotFound).Increment();
  metrics.registration(RegistrationOutcome::Succeeded).Increment(16);
  metrics.commitDuration().Observe(0.002);
  const std::string text = exposition.render();
  EXPECT_TRUE(hasLine(
      text,
      "fibdns_authoritative_server_dns_queries_total{rcode=\"NOERROR\",transport=\"udp\"} 1"));
  EXPECT_TRUE(hasLine(
      text,
      "fibdns_authoritative_server_dns_queries_total{rcode=\"NXDOMAIN\",transport=\"udp\"} 2"));
  EXPECT_TRUE(hasLine(
      text, "fibdns_authoritative_server_dns_queries_total{rcode=\"OTHER\",transport=\"tcp\"} 1"));
  EXPECT_TRUE(
      hasLine(text, "fibdns_authoritative_server_lab_requests_total{outcome=\"not_found\"} 1"));
  EXPECT_TRUE(
      hasLine(text, "fibdns_authoritative_server_registrations_total{outcome=\"succeeded\"} 16"));
  EXPECT_TRUE(hasLine(text, "fibdns_authoritative_server_commit_duration_seconds_count 1"));
}

TEST(AuthoritativeServerMetrics, ExpositionPassesPromtool) {
  Exposition exposition("as");
  AuthoritativeServerMetrics metrics(
      exposition, [] { return 1.0; }, [] { return 2.0; });
  metrics.commitDuration().Observe(0.01);
  const std::string text = exposition.render();
  FILE* pipe = ::popen("promtool check metrics >/dev/null 2>&1", "w");
  ASSERT_NE(pipe, nullptr);
  std::fwrite(text.data(), 1, text.size(), pipe);
  EXPECT_EQ(::pclose(pipe), 0) << text;
}

}  // namespace
}  // namespace fibdns::metrics
