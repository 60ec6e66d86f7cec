// fibonacci-server: the composition root of the FS. Parses flags, wires FibonacciService to the
// upstream loop's UDP registrar, the Pistache adapter and the metrics, optionally registers
// itself with an AS, and serves HTTP until SIGTERM/SIGINT.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "fibdns/fib/fibonacci.h"
#include "fibdns/fs/fibonacci_service.h"
#include "fibdns/http/params.h"
#include "fibdns/http/router.h"
#include "fibdns/metrics/exposition.h"
#include "fibdns/server/http_server.h"
#include "fibdns/server/signals.h"
#include "fibdns/upstream/async_clients.h"
#include "fibdns/upstream/self_registration.h"
#include "fibdns/upstream/upstream_loop.h"

namespace {

using namespace fibdns;

/// The routes, as the requests metric labels them.
const std::vector<std::string> kRoutes = {"/fibonacci", "/register", "/healthz", "/metrics"};

struct FibonacciServerConfig {
  server::HttpServerOptions server;
  AllowList allow_upstream = AllowList::loopbackAndPrivate();
  http::FibonacciServiceOptions service;
  std::string register_name;
  std::string register_ip = "auto";
  std::optional<std::pair<std::string, std::uint16_t>> as_address;
  bool health_check = false;
};

std::vector<flags::Option> optionTable(FibonacciServerConfig& config) {
  return {
      flags::ipv4Option("bind", "FIBDNS_FS_BIND", "address to listen on", "0.0.0.0",
                        config.server.bind),
      flags::portOption("port", "FIBDNS_FS_PORT", "HTTP port to listen on", "9090",
                        config.server.port),
      flags::unsignedOption("threads", "FIBDNS_FS_THREADS", "N", "HTTP worker threads (1..64)", "2",
                            1, 64, config.server.threads),
      flags::unsignedOption("max-number", "FIBDNS_FS_MAX_NUMBER", "N",
                            "largest n that GET /fibonacci computes (1..10000000)", "100000", 1,
                            fib::kMaxComputableIndex, config.service.max_number),
      flags::unsignedOption(
          "register-ttl", "FIBDNS_FS_REGISTER_TTL", "SECONDS",
          "TTL of registrations (PUT /register without ttl, and self-registration)", "10", 0,
          dns::kMaxTtl, config.service.register_ttl),
      {"register-name", "FIBDNS_FS_REGISTER_NAME", "NAME",
       "register this name with the AS at start-up (needs --as-address)", "",
       [&](std::string_view value) -> Status {
         if (auto name = dns::normalizeHostName(value); !name) {
           return name.status();
         }
         config.register_name = std::string(value);
         return Status::ok();
       }},
      {"register-ip", "FIBDNS_FS_REGISTER_IP", "IPV4|auto",
       "address to register; auto: the local address that routes to the AS", "auto",
       [&](std::string_view value) -> Status {
         if (value != "auto") {
           if (auto parsed = dns::parseIpv4(value); !parsed) {
             return parsed.status();
           }
         }
         config.register_ip = std::string(value);
         return Status::ok();
       }},
      {"as-address", "FIBDNS_FS_AS_ADDRESS", "HOST:PORT",
       "the AS for self-registration (HOST: IPv4, [IPv6] or host name)", "",
       [&](std::string_view value) -> Status {
         const auto colon = value.rfind(':');
         if (colon == std::string_view::npos || colon == 0) {
           return invalidArgument("expected HOST:PORT, got '" + std::string(value) + "'");
         }
         auto port = flags::parsePort(value.substr(colon + 1));
         if (!port) {
           return port.status();
         }
         auto host = http::parseAsAddress(value.substr(0, colon));
         if (!host) {
           return host.status();
         }
         config.as_address.emplace(*std::move(host), *port);
         return Status::ok();
       }},
      {"allow-upstream", "FIBDNS_FS_ALLOW_UPSTREAM", "CIDRS",
       "AS addresses PUT /register may send to (comma-separated IPv4/IPv6 CIDRs)",
       std::string(kLoopbackAndPrivateRanges),
       [&](std::string_view value) -> Status {
         auto list = AllowList::parse(value);
         if (!list) {
           return list.status();
         }
         config.allow_upstream = *std::move(list);
         return Status::ok();
       }},
      flags::logLevelOption("FIBDNS_FS_LOG_LEVEL"),
      flags::switchOption("health-check",
                          "GET /healthz on --bind/--port and exit 0 if it answers 200",
                          config.health_check),
  };
}

/// The FS's series; references into the exposition's registry.
struct FibonacciServerMetrics {
  explicit FibonacciServerMetrics(prometheus::Registry& registry)
      : requests(prometheus::BuildCounter()
                     .Name("fibdns_fibonacci_server_requests_total")
                     .Help("HTTP requests answered, by route (\"other\" for unknown paths) and "
                           "status code.")
                     .Register(registry)),
        computation(prometheus::BuildHistogram()
                        .Name("fibdns_fibonacci_server_computation_duration_seconds")
                        .Help("Time to compute and format F(n) for GET /fibonacci.")
                        .Register(registry)
                        .Add({}, metrics::latencyBuckets())) {}

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Histogram& computation;
};

std::shared_ptr<http::Router> makeRouter(const http::FibonacciService& service,
                                         const metrics::Exposition& exposition,
                                         FibonacciServerMetrics& fs_metrics) {
  auto router = std::make_shared<http::Router>();
  router->add("GET", "/healthz",
              [](const http::HttpRequest&) { return http::textReply(200, "ok"); });
  router->add("GET", "/metrics", [&exposition](const http::HttpRequest&) {
    http::HttpReply reply = http::textReply(200, exposition.render());
    reply.content_type = std::string(metrics::kContentType);
    return reply;
  });
  router->addWithSlash(
      "GET", "/fibonacci", [&service, &fs_metrics](const http::HttpRequest& request) {
        const auto start = std::chrono::steady_clock::now();
        http::HttpReply reply = service.fibonacci(request.query("number"));
        if (reply.status == 200) {
          fs_metrics.computation.Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        return reply;
      });
  router->addAsyncWithSlash("PUT", "/register",
                            [&service](const http::HttpRequest& request, http::Respond respond) {
                              service.registerName(request.body, std::move(respond));
                            });
  return router;
}

}  // namespace

int main(int argc, char** argv) {
  FibonacciServerConfig config;
  const auto options = optionTable(config);
  if (const auto exit_code = flags::exitCode(
          flags::parse("fibonacci-server",
                       "The fibdns Fibonacci Server: exact Fibonacci numbers over HTTP, and "
                       "registration of names with an Authoritative Server.",
                       options, argc, argv))) {
    return *exit_code;
  }
  if (Status status = upstream::initCurl(); !status.isOk()) {
    log::error("fs", status.message());
    return EXIT_FAILURE;
  }
  if (config.health_check) {
    return upstream::checkHealth(config.server.bind, config.server.port,
                                 std::chrono::milliseconds(2000))
               ? EXIT_SUCCESS
               : EXIT_FAILURE;
  }
  if (!config.register_name.empty() && !config.as_address) {
    std::fprintf(stderr, "fibonacci-server: --register-name needs --as-address HOST:PORT\n");
    return 2;
  }

  server::blockTerminationSignals();  // before any thread: they all inherit the mask

  // Everything the handlers use is declared before the server, so it outlives Pistache's threads.
  metrics::Exposition exposition("fs");
  FibonacciServerMetrics fs_metrics(exposition.registry());
  upstream::UpstreamLoop loop;
  if (Status status = loop.start(); !status.isOk()) {
    log::error("fs", status.message());
    return EXIT_FAILURE;
  }
  const upstream::UdpExchangeOptions exchange{std::chrono::milliseconds(500), 3};
  const upstream::UdpRegistrar registrar(loop, config.allow_upstream, exchange);
  // Self-registration goes to the AS the operator configured: the allow-list is for addresses
  // that callers of PUT /register choose.
  const AllowList anywhere = *AllowList::parse("0.0.0.0/0,::/0");
  const upstream::UdpRegistrar self_registrar(loop, anywhere, exchange);
  const http::FibonacciService service(registrar, config.service);
  config.server.on_reply = [&fs_metrics](const std::string& path, int status) {
    fs_metrics.requests
        .Add({{"path", metrics::routeLabel(path, kRoutes)}, {"code", std::to_string(status)}})
        .Increment();
  };
  server::HttpServer server(makeRouter(service, exposition, fs_metrics), config.server);
  if (Status status = server.start(); !status.isOk()) {
    log::error("fs", status.message());
    return EXIT_FAILURE;
  }
  log::info("fs", "serving HTTP on " + config.server.bind + ":" + std::to_string(server.port()) +
                      " threads=" + std::to_string(config.server.threads) +
                      " max-number=" + std::to_string(config.service.max_number) +
                      " register-ttl=" + std::to_string(config.service.register_ttl) +
                      " allow-upstream=" + config.allow_upstream.toString());

  std::optional<upstream::SelfRegistration> self_registration;
  if (!config.register_name.empty()) {
    upstream::SelfRegistrationOptions registration;
    registration.name = config.register_name;
    registration.ip = config.register_ip;
    registration.as_host = config.as_address->first;
    registration.as_port = config.as_address->second;
    registration.ttl = config.service.register_ttl;
    self_registration.emplace(self_registrar, registration);
    self_registration->start();
  }

  const int signal_number = server::waitForTerminationSignal();
  log::info("fs", "signal " + std::to_string(signal_number) + ": shutting down");
  if (self_registration) {
    self_registration->stop();
  }
  loop.stop();  // registrations in flight get their 503 while Pistache can still send it
  server.shutdown();
  log::info("fs", "stopped");
  return EXIT_SUCCESS;
}
