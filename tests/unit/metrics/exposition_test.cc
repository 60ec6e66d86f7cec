#include "fibdns/metrics/exposition.h"

#include <gtest/gtest.h>

#include <string>

#include "fibdns/common/version.h"
#include "fibdns/metrics/metrics_http_server.h"

namespace fibdns::metrics {
namespace {

/// The value of the first sample line that starts with `series` (name and labels), or -1.
double sample(const std::string& text, const std::string& series) {
  std::size_t at = 0;
  while ((at = text.find(series, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      const auto space = text.find(' ', at + series.size());
      if (space == at + series.size()) {
        return std::stod(text.substr(space + 1, text.find('\n', space) - space - 1));
      }
    }
    at += series.size();
  }
  return -1;
}

TEST(Exposition, HasBuildInfoAndProcessMetrics) {
  Exposition exposition("as");
  const std::string text = exposition.render();
  EXPECT_EQ(sample(text, std::string("fibdns_build_info{server=\"as\",version=\"") +
                             fibdns::version() + "\"}"),
            1.0)
      << text;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos) << text;
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1024.0 * 1024.0);
  EXPECT_GT(sample(text, "process_virtual_memory_bytes"), 0.0);
  EXPECT_GE(sample(text, "process_open_fds"), 3.0);  // stdin, stdout, stderr at least
  EXPECT_GT(sample(text, "process_max_fds"), 0.0);
  // Started within the last day and not in the future (a sanity bound, not a clock assertion).
  const double start = sample(text, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(start, now - 86400.0);
  EXPECT_LE(start, now + 1.0);
}

TEST(Exposition, RendersRegistryCountersAndHistograms) {
  Exposition exposition("us");
  auto& requests = prometheus::BuildCounter()
                       .Name("fibdns_test_requests_total")
                       .Help("Requests.")
                       .Register(exposition.registry());
  requests.Add({{"code", "200"}}).Increment(3);
  auto& latency = prometheus::BuildHistogram()
                      .Name("fibdns_test_latency_seconds")
                      .Help("Latency.")
                      .Register(exposition.registry());
  latency.Add({}, latencyBuckets()).Observe(0.003);
  const std::string text = exposition.render();
  EXPECT_EQ(sample(text, "fibdns_test_requests_total{code=\"200\"}"), 3.0) << text;
  EXPECT_EQ(sample(text, "fibdns_test_latency_seconds_count"), 1.0) << text;
  EXPECT_EQ(sample(text, "fibdns_test_latency_seconds_bucket{le=\"0.0025\"}"), 0.0) << text;
  EXPECT_EQ(sample(text, "fibdns_test_latency_seconds_bucket{le=\"0.005\"}"), 1.0) << text;
}

class FixedCollectable : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "fibdns_test_pending";
    family.help = "Pending.";
    family.type = prometheus::MetricType::Gauge;
    family.metric.emplace_back().gauge.value = 7;
    return {family};
  }
};

TEST(Exposition, RendersAddedCollectables) {
  Exposition exposition("fs");
  exposition.addCollectable(std::make_shared<FixedCollectable>());
  EXPECT_EQ(sample(exposition.render(), "fibdns_test_pending"), 7.0);
}

TEST(Exposition, CallbackGaugesAreReadAtScrapeTime) {
  Exposition exposition("as");
  double records = 3;
  exposition.addCollectable(std::make_shared<CallbackGauge>("fibdns_test_records", "Records.",
                                                            [&records] { return records; }));
  EXPECT_EQ(sample(exposition.render(), "fibdns_test_records"), 3.0);
  records = 4;
  EXPECT_EQ(sample(exposition.render(), "fibdns_test_records"), 4.0);
}

TEST(Exposition, LatencyBucketsAreIncreasing) {
  const auto buckets = latencyBuckets();
  ASSERT_FALSE(buckets.empty());
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_LT(buckets[i - 1], buckets[i]);
  }
}

TEST(RouteLabel, KnownRoutesOrOther) {
  const std::vector<std::string> routes{"/fibonacci", "/metrics"};
  EXPECT_EQ(routeLabel("/fibonacci", routes), "/fibonacci");
  EXPECT_EQ(routeLabel("/fibonacci/", routes), "/fibonacci");
  EXPECT_EQ(routeLabel("/metrics", routes), "/metrics");
  EXPECT_EQ(routeLabel("/fibonacci//", routes), "other");
  EXPECT_EQ(routeLabel("/", routes), "other");
  EXPECT_EQ(routeLabel("/x?y", routes), "other");
}

TEST(ListenAddress, ParsesIpv4AndBracketedIpv6) {
  auto v4 = ListenAddress::parse("127.0.0.1:9153");
  ASSERT_TRUE(v4) << v4.status().message();
  EXPECT_EQ(v4->toString(), "127.0.0.1:9153");
  auto v6 = ListenAddress::parse("[::1]:9153");
  ASSERT_TRUE(v6) << v6.status().message();
  EXPECT_EQ(v6->ip.family(), IpAddress::Family::V6);
  EXPECT_EQ(v6->toString(), "[::1]:9153");
  EXPECT_EQ(ListenAddress::parse("[::]:1")->toString(), "[::]:1");
}

TEST(ListenAddress, RejectsWithAReason) {
  for (const char* text :
       {"", "9153", "localhost:9153", "::1:9153", "[::1]9153", "[::1]:", "[127.0.0.1]:9153",
        "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "[::1:9153"}) {
    auto parsed = ListenAddress::parse(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_FALSE(parsed.status().message().empty());
    }
  }
  EXPECT_EQ(ListenAddress::parse("::1:9153").status().message(),
            "an IPv6 address needs brackets: [::1]:PORT");
}

TEST(ParseRequestLine, TakesMethodAndPathWithoutQuery) {
  auto request = parseRequestLine("GET /metrics?name[]=x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/metrics");
}

TEST(ParseRequestLine, RejectsMalformedLines) {
  for (const char* head : {"GET /metrics HTTP/1.1", "GET /metrics\r\n", "/metrics HTTP/1.1\r\n",
                           "GET metrics HTTP/1.1\r\n", "get /metrics HTTP/1.1\r\n",
                           "GET /metrics SPDY/3\r\n", "\r\n", " GET /metrics HTTP/1.1\r\n"}) {
    EXPECT_FALSE(parseRequestLine(head)) << head;
  }
}

}  // namespace
}  // namespace fibdns::metrics
