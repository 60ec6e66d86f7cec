// user-server: the composition root of the US. Parses flags, wires UserService to the UDP DNS
// client, the libcurl Fibonacci client and the Pistache adapter, and serves HTTP until
// SIGTERM/SIGINT.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/http/clock.h"
#include "fibdns/http/dns_client.h"
#include "fibdns/http/fibonacci_client.h"
#include "fibdns/http/http_server.h"
#include "fibdns/http/router.h"
#include "fibdns/http/user_service.h"
#include "fibdns/net/udp_lab_client.h"

namespace {

using namespace fibdns;

struct UserServerConfig {
  http::HttpServerOptions server;
  http::UserServiceOptions service;
  net::UdpLabClientOptions dns{std::chrono::milliseconds(500), 2};
  http::CurlFibonacciClientOptions fibonacci;
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

std::shared_ptr<http::Router> makeRouter(const http::UserService& service) {
  auto router = std::make_shared<http::Router>();
  router->add("GET", "/healthz",
              [](const http::HttpRequest&) { return http::textReply(200, "ok"); });
  router->addWithSlash("GET", "/fibonacci", [&service](const http::HttpRequest& request) {
    http::HttpReply reply = service.fibonacci(rawQuery(request));
    if (reply.status >= 500 && log::enabled(log::Level::Debug)) {
      log::debug("us", std::to_string(reply.status) + " " + reply.body);
    }
    return reply;
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
  if (Status status = http::initCurl(); !status.isOk()) {
    log::error("us", status.message());
    return EXIT_FAILURE;
  }
  if (config.health_check) {
    return http::checkHealth(config.server.bind, config.server.port,
                             std::chrono::milliseconds(2000))
               ? EXIT_SUCCESS
               : EXIT_FAILURE;
  }

  http::blockTerminationSignals();  // before any thread: they all inherit the mask

  // Everything the handlers use is declared before the server, so it outlives Pistache's threads.
  const http::SteadyClock clock;
  const net::UdpLabClient udp_client(config.dns);
  const http::UdpDnsClient dns_client(udp_client);
  const http::CurlFibonacciClient fibonacci_client(config.fibonacci);
  const http::UserService service(dns_client, fibonacci_client, clock, config.service);
  http::HttpServer server(makeRouter(service), config.server);
  if (Status status = server.start(); !status.isOk()) {
    log::error("us", status.message());
    return EXIT_FAILURE;
  }
  log::info("us", "serving HTTP on " + config.server.bind + ":" + std::to_string(server.port()) +
                      " threads=" + std::to_string(config.server.threads) +
                      " cache=" + (config.service.cache ? "on" : "off") +
                      " as-timeout-ms=" + std::to_string(config.dns.timeout.count()) +
                      " as-attempts=" + std::to_string(config.dns.attempts) +
                      " fs-timeout-ms=" + std::to_string(config.fibonacci.total_timeout.count()));

  const int signal_number = http::waitForTerminationSignal();
  log::info("us", "signal " + std::to_string(signal_number) + ": shutting down");
  server.shutdown();
  log::info("us", "stopped");
  return EXIT_SUCCESS;
}
