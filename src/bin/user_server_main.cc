// user-server: the composition root of the US. Parses flags, wires UserService to the upstream
// event loop's clients (UDP to the AS, libcurl to the FS, c-ares for host names), the Pistache
// adapter and the metrics, and serves HTTP until SIGTERM/SIGINT.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/http/clock.h"
#include "fibdns/http/router.h"
#include "fibdns/http/user_service.h"
#include "fibdns/metrics/exposition.h"
#include "fibdns/server/http_server.h"
#include "fibdns/server/signals.h"
#include "fibdns/upstream/async_clients.h"
#include "fibdns/upstream/upstream_loop.h"

namespace {

using namespace fibdns;

/// The routes, as the requests metric labels them.
const std::vector<std::string> kRoutes = {"/fibonacci", "/healthz", "/metrics"};

struct UserServerConfig {
  server::HttpServerOptions server;
  http::UserServiceOptions service;
  upstream::UdpExchangeOptions dns{std::chrono::milliseconds(500), 2};
  upstream::HttpGetOptions fibonacci;
  AllowList allow_upstream = AllowList::loopbackAndPrivate();
  bool health_check = false;
};

std::vector<flags::Option> optionTable(UserServerConfig& config) {
  return {
      flags::ipv4Option("bind", "FIBDNS_US_BIND", "address to listen on", "0.0.0.0",
                        config.server.bind),
      flags::portOption("port", "FIBDNS_US_PORT", "HTTP port to listen on", "8080",
                        config.server.port),
      flags::unsignedOption("threads", "FIBDNS_US_THREADS", "N", "HTTP worker threads (1..64)", "2",
                            1, 64, config.server.threads),
      {"cache", "FIBDNS_US_CACHE", "on|off", "cache AS answers for their TTL", "on",
       [&](std::string_view value) -> Status {
         if (value != "on" && value != "off") {
           return invalidArgument("expected on or off, got '" + std::string(value) + "'");
         }
         config.service.cache = value == "on";
         return Status::ok();
       }},
      flags::unsignedOption("max-pending", "FIBDNS_US_MAX_PENDING", "N",
                            "requests waiting on upstreams at most; beyond, 503 (1..1000000)",
                            "10000", 1, 1000000, config.service.max_pending),
      {"allow-upstream", "FIBDNS_US_ALLOW_UPSTREAM", "CIDRS",
       "AS and FS addresses the US may contact (comma-separated IPv4/IPv6 CIDRs)",
       std::string(kLoopbackAndPrivateRanges),
       [&](std::string_view value) -> Status {
         auto list = AllowList::parse(value);
         if (!list) {
           return list.status();
         }
         config.allow_upstream = *std::move(list);
         return Status::ok();
       }},
      flags::millisecondsOption("as-timeout-ms", "FIBDNS_US_AS_TIMEOUT_MS",
                                "wait per AS query attempt (50..10000)", "500", 50, 10000,
                                config.dns.timeout),
      flags::unsignedOption("as-attempts", "FIBDNS_US_AS_ATTEMPTS", "N",
                            "AS query attempts: 1 + retries (1..5)", "2", 1, 5,
                            config.dns.attempts),
      // libcurl gives up at the shorter of this and connect_timeout (1 s) while connecting.
      flags::millisecondsOption(
          "fs-timeout-ms", "FIBDNS_US_FS_TIMEOUT_MS",
          "total time for the FS call; connecting gets at most 1000 (100..60000)", "2000", 100,
          60000, config.fibonacci.total_timeout),
      flags::logLevelOption("FIBDNS_US_LOG_LEVEL"),
      flags::switchOption("health-check",
                          "GET /healthz on --bind/--port and exit 0 if it answers 200",
                          config.health_check),
  };
}

http::RawUserQuery rawQuery(const http::HttpRequest& request) {
  return {request.query("hostname"), request.query("fs_port"), request.query("number"),
          request.query("as_ip"), request.query("as_port")};
}

/// The US's series; references into the exposition's registry.
struct UserServerMetrics {
  explicit UserServerMetrics(prometheus::Registry& registry)
      : requests(prometheus::BuildCounter()
                     .Name("fibdns_user_server_requests_total")
                     .Help("HTTP requests answered, by route (\"other\" for unknown paths) and "
                           "status code.")
                     .Register(registry)),
        as_duration(prometheus::BuildHistogram()
                        .Name("fibdns_user_server_as_query_duration_seconds")
                        .Help("AS queries (cache misses, after coalescing), by outcome.")
                        .Register(registry)),
        fs_duration(prometheus::BuildHistogram()
                        .Name("fibdns_user_server_fs_request_duration_seconds")
                        .Help("FS calls, by outcome.")
                        .Register(registry)),
        cache_hits(prometheus::BuildCounter()
                       .Name("fibdns_user_server_cache_hits_total")
                       .Help("AS answers served from the cache.")
                       .Register(registry)
                       .Add({})),
        cache_misses(prometheus::BuildCounter()
                         .Name("fibdns_user_server_cache_misses_total")
                         .Help("Requests that needed an AS answer not in the cache.")
                         .Register(registry)
                         .Add({})),
        coalesced(prometheus::BuildCounter()
                      .Name("fibdns_user_server_coalesced_queries_total")
                      .Help("Cache misses that joined an AS query already in flight.")
                      .Register(registry)
                      .Add({})) {}

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& as_duration;
  prometheus::Family<prometheus::Histogram>& fs_duration;
  prometheus::Counter& cache_hits;
  prometheus::Counter& cache_misses;
  prometheus::Counter& coalesced;

  http::UserServiceHooks hooks() {
    return {[this](double seconds, StatusCode outcome) {
              as_duration.Add({{"outcome", statusCodeName(outcome)}}, metrics::latencyBuckets())
                  .Observe(seconds);
            },
            [this](double seconds, StatusCode outcome) {
              fs_duration.Add({{"outcome", statusCodeName(outcome)}}, metrics::latencyBuckets())
                  .Observe(seconds);
            },
            [this] { cache_hits.Increment(); }, [this] { cache_misses.Increment(); },
            [this] { coalesced.Increment(); }};
  }
};

std::shared_ptr<http::Router> makeRouter(http::UserService& service,
                                         const metrics::Exposition& exposition) {
  auto router = std::make_shared<http::Router>();
  router->add("GET", "/healthz",
              [](const http::HttpRequest&) { return http::textReply(200, "ok"); });
  router->add("GET", "/metrics", [&exposition](const http::HttpRequest&) {
    http::HttpReply reply = http::textReply(200, exposition.render());
    reply.content_type = std::string(metrics::kContentType);
    return reply;
  });
  router->addAsyncWithSlash(
      "GET", "/fibonacci", [&service](const http::HttpRequest& request, http::Respond respond) {
        service.fibonacci(rawQuery(request), [respond = std::move(respond)](http::HttpReply reply) {
          if (reply.status >= 500 && log::enabled(log::Level::Debug)) {
            log::debug("us", std::to_string(reply.status) + " " + reply.body);
          }
          respond(std::move(reply));
        });
      });
  return router;
}

}  // namespace

int main(int argc, char** argv) {
  UserServerConfig config;
  const auto options = optionTable(config);
  if (const auto exit_code = flags::exitCode(
          flags::parse("user-server",
                       "The fibdns User Server: resolves a Fibonacci Server's name through an "
                       "Authoritative Server, then asks it for F(number).",
                       options, argc, argv))) {
    return *exit_code;
  }
  if (Status status = upstream::initCurl(); !status.isOk()) {
    log::error("us", status.message());
    return EXIT_FAILURE;
  }
  if (config.health_check) {
    return upstream::checkHealth(config.server.bind, config.server.port,
                                 std::chrono::milliseconds(2000))
               ? EXIT_SUCCESS
               : EXIT_FAILURE;
  }

  server::blockTerminationSignals();  // before any thread: they all inherit the mask

  // Everything the handlers use is declared before the server, so it outlives Pistache's threads.
  metrics::Exposition exposition("us");
  UserServerMetrics us_metrics(exposition.registry());
  const http::SteadyClock clock;
  upstream::UpstreamLoop loop;
  if (Status status = loop.start(); !status.isOk()) {
    log::error("us", status.message());
    return EXIT_FAILURE;
  }
  const upstream::UdpDnsClient dns_client(loop, config.allow_upstream, config.dns);
  const upstream::CurlFibonacciClient fibonacci_client(loop, config.allow_upstream,
                                                       config.fibonacci);
  http::UserService service(dns_client, fibonacci_client, clock, config.service,
                            us_metrics.hooks());
  exposition.addCollectable(std::make_shared<metrics::CallbackGauge>(
      "fibdns_user_server_pending_requests", "Requests waiting on an upstream (AS or FS).",
      [&service] { return static_cast<double>(service.pending()); }));
  config.server.on_reply = [&us_metrics](const std::string& path, int status) {
    us_metrics.requests
        .Add({{"path", metrics::routeLabel(path, kRoutes)}, {"code", std::to_string(status)}})
        .Increment();
  };
  server::HttpServer server(makeRouter(service, exposition), config.server);
  if (Status status = server.start(); !status.isOk()) {
    log::error("us", status.message());
    return EXIT_FAILURE;
  }
  log::info("us", "serving HTTP on " + config.server.bind + ":" + std::to_string(server.port()) +
                      " threads=" + std::to_string(config.server.threads) +
                      " cache=" + (config.service.cache ? "on" : "off") +
                      " max-pending=" + std::to_string(config.service.max_pending) +
                      " allow-upstream=" + config.allow_upstream.toString() +
                      " as-timeout-ms=" + std::to_string(config.dns.timeout.count()) +
                      " as-attempts=" + std::to_string(config.dns.attempts) +
                      " fs-timeout-ms=" + std::to_string(config.fibonacci.total_timeout.count()));

  const int signal_number = server::waitForTerminationSignal();
  log::info("us", "signal " + std::to_string(signal_number) + ": shutting down");
  // The loop first: requests still waiting get their 502/503 while Pistache can still send them;
  // new ones find the loop stopped and are answered at once.
  loop.stop();
  server.shutdown();
  log::info("us", "stopped");
  return EXIT_SUCCESS;
}
