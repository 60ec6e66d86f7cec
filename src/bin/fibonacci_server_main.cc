// fibonacci-server: the composition root of the FS. Parses flags, wires FibonacciService to a
// UDP registrar and the Pistache adapter, optionally registers itself with an AS, and serves HTTP
// until SIGTERM/SIGINT.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "fibdns/fib/fibonacci.h"
#include "fibdns/http/fibonacci_client.h"
#include "fibdns/http/fibonacci_service.h"
#include "fibdns/http/http_server.h"
#include "fibdns/http/registrar.h"
#include "fibdns/http/router.h"
#include "fibdns/http/self_registration.h"
#include "fibdns/net/udp_lab_client.h"

namespace {

using namespace fibdns;

struct FibonacciServerConfig {
  http::HttpServerOptions server;
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
       "the AS for self-registration (HOST: IPv4 or host name)", "",
       [&](std::string_view value) -> Status {
         const auto colon = value.rfind(':');
         if (colon == std::string_view::npos || colon == 0) {
           return invalidArgument("expected HOST:PORT, got '" + std::string(value) + "'");
         }
         auto port = flags::parsePort(value.substr(colon + 1));
         if (!port) {
           return port.status();
         }
         config.as_address.emplace(std::string(value.substr(0, colon)), *port);
         return Status::ok();
       }},
      flags::logLevelOption("FIBDNS_FS_LOG_LEVEL"),
      flags::switchOption("health-check",
                          "GET /healthz on --bind/--port and exit 0 if it answers 200",
                          config.health_check),
  };
}

std::shared_ptr<http::Router> makeRouter(const http::FibonacciService& service) {
  auto router = std::make_shared<http::Router>();
  router->add("GET", "/healthz",
              [](const http::HttpRequest&) { return http::textReply(200, "ok"); });
  router->addWithSlash("GET", "/fibonacci", [&service](const http::HttpRequest& request) {
    return service.fibonacci(request.query("number"));
  });
  router->addWithSlash("PUT", "/register", [&service](const http::HttpRequest& request) {
    return service.registerName(request.body);
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
  if (Status status = http::initCurl(); !status.isOk()) {
    log::error("fs", status.message());
    return EXIT_FAILURE;
  }
  if (config.health_check) {
    return http::checkHealth(config.server.bind, config.server.port,
                             std::chrono::milliseconds(2000))
               ? EXIT_SUCCESS
               : EXIT_FAILURE;
  }
  if (!config.register_name.empty() && !config.as_address) {
    std::fprintf(stderr, "fibonacci-server: --register-name needs --as-address HOST:PORT\n");
    return 2;
  }

  http::blockTerminationSignals();  // before any thread: they all inherit the mask

  // Everything the handlers use is declared before the server, so it outlives Pistache's threads.
  const net::UdpLabClient udp_client(net::UdpLabClientOptions{std::chrono::milliseconds(500), 3});
  const http::UdpRegistrar registrar(udp_client);
  const http::FibonacciService service(registrar, config.service);
  http::HttpServer server(makeRouter(service), config.server);
  if (Status status = server.start(); !status.isOk()) {
    log::error("fs", status.message());
    return EXIT_FAILURE;
  }
  log::info("fs", "serving HTTP on " + config.server.bind + ":" + std::to_string(server.port()) +
                      " threads=" + std::to_string(config.server.threads) +
                      " max-number=" + std::to_string(config.service.max_number) +
                      " register-ttl=" + std::to_string(config.service.register_ttl));

  std::optional<http::SelfRegistration> self_registration;
  if (!config.register_name.empty()) {
    http::SelfRegistrationOptions registration;
    registration.name = config.register_name;
    registration.ip = config.register_ip;
    registration.as_host = config.as_address->first;
    registration.as_port = config.as_address->second;
    registration.ttl = config.service.register_ttl;
    self_registration.emplace(registrar, registration);
    self_registration->start();
  }

  const int signal_number = http::waitForTerminationSignal();
  log::info("fs", "signal " + std::to_string(signal_number) + ": shutting down");
  if (self_registration) {
    self_registration->stop();
  }
  server.shutdown();
  log::info("fs", "stopped");
  return EXIT_SUCCESS;
}
