// authoritative-server: the composition root of the AS. Parses and checks the flags, opens and
// migrates the store, loads the zone data, then makes the engine's parts (writer, UDP workers,
// TCP service) and starts them until SIGTERM/SIGINT, when it drains them in order.
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fibdns/authority/dns_request_handler.h"
#include "fibdns/authority/dns_responder.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/common/allow_list.h"
#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/lab_codec.h"
#include "fibdns/engine/notifier.h"
#include "fibdns/engine/snapshot_publisher.h"
#include "fibdns/engine/socket_address.h"
#include "fibdns/engine/tcp_service.h"
#include "fibdns/engine/udp_worker.h"
#include "fibdns/engine/writer.h"
#include "fibdns/metrics/authoritative_server_metrics.h"
#include "fibdns/metrics/exposition.h"
#include "fibdns/metrics/metrics_http_server.h"
#include "fibdns/net/udp_lab_client.h"
#include "fibdns/security/dns_cookie.h"
#include "fibdns/security/response_rate_limiter.h"
#include "fibdns/security/tsig.h"
#include "fibdns/security/tsig_keyfile.h"
#include "fibdns/security/update_acl.h"
#include "fibdns/storage/migrator.h"
#include "fibdns/storage/sqlite_record_repository.h"

namespace {

using namespace fibdns;

constexpr const char* kDefaultBind = "0.0.0.0,::";

struct AuthoritativeServerConfig {
  std::vector<engine::SocketAddress> bind;
  bool default_bind = true;
  std::uint16_t port = 53533;
  std::string db_path;
  bool health_check = false;
  authority::ZoneConfig zone;
  std::size_t threads = 1;
  std::chrono::milliseconds write_timeout{2000};
  std::size_t write_queue = 4096;
  std::size_t max_records = 1'000'000;
  std::string tsig_keyfile;
  std::string allow_update;
  std::string allow_register{fibdns::kLoopbackAndPrivateRanges};
  std::string allow_transfer = "127.0.0.0/8,::1/128";
  std::vector<engine::SocketAddress> notify;
  std::size_t ixfr_history = 10000;
  std::optional<metrics::ListenAddress> metrics;
  std::uint32_t rrl_rate = 0;
  std::uint32_t rrl_slip = 2;
  std::size_t tcp_max_connections = 256;
  std::size_t tcp_per_client = 16;
  std::chrono::milliseconds tcp_idle_timeout{10'000};
};

// "a.com,b.org." -> {"a.com", "b.org."}; "." stands for the root.
std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    items.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  return items;
}

// "--allow-update"/"--allow-transfer": TSIG key names and CIDRs, as security::UpdateAcl takes
// them (the CIDRs through the one allow-list matcher).
Result<security::UpdateAcl> aclFrom(std::string_view text, std::string_view flag) {
  auto entries = security::splitAllowUpdateList(text);
  if (!entries) {
    return entries.status();
  }
  security::UpdateAcl::SourcePredicate source_allowed;
  if (!entries->addresses.empty()) {
    std::string joined;
    for (const std::string& address : entries->addresses) {
      joined += (joined.empty() ? "" : ",") + address;
    }
    auto list = AllowList::parse(joined);
    if (!list) {
      return invalidArgument(std::string(flag) + ": " + list.status().message());
    }
    source_allowed = [list = std::move(*list)](const IpAddress& source) {
      return list.allows(source);
    };
  }
  return security::UpdateAcl(std::move(entries->key_names), std::move(source_allowed));
}

// "192.0.2.1,192.0.2.2:5353,[2001:db8::1]:53,::1" -> addresses (port 53 when none is given).
Result<std::vector<engine::SocketAddress>> parseNotifyTargets(std::string_view text) {
  std::vector<engine::SocketAddress> targets;
  for (const std::string& item : splitList(text)) {
    std::string ip = item;
    std::uint16_t port = 53;
    const std::size_t last_colon = item.rfind(':');
    if (!item.empty() && item.front() == '[') {
      const std::size_t close = item.find(']');
      if (close == std::string::npos) {
        return invalidArgument("--notify: bad address '" + item + "'");
      }
      ip = item.substr(1, close - 1);
      if (close + 1 < item.size()) {
        if (item[close + 1] != ':') {
          return invalidArgument("--notify: bad address '" + item + "'");
        }
        auto parsed = flags::parsePort(item.substr(close + 2));
        if (!parsed) {
          return invalidArgument("--notify: " + parsed.status().message());
        }
        port = *parsed;
      }
    } else if (last_colon != std::string::npos && item.find(':') == last_colon) {
      ip = item.substr(0, last_colon);  // IPv4:PORT (an IPv6 literal has several colons)
      auto parsed = flags::parsePort(item.substr(last_colon + 1));
      if (!parsed) {
        return invalidArgument("--notify: " + parsed.status().message());
      }
      port = *parsed;
    }
    auto address = engine::SocketAddress::fromIp(ip, port);
    if (!address) {
      return invalidArgument("--notify: " + address.status().message());
    }
    targets.push_back(*address);
  }
  return targets;
}

std::string cpuCount() {
  const unsigned cpus = std::thread::hardware_concurrency();
  return std::to_string(cpus == 0 ? 1 : cpus);
}

std::vector<flags::Option> optionTable(AuthoritativeServerConfig& config) {
  return {
      {"bind", "FIBDNS_AS_BIND", "ADDRS",
       "comma-separated IPv4/IPv6 addresses to listen on (0.0.0.0 and :: mean every address)",
       kDefaultBind,
       [&](std::string_view value) -> Status {
         auto addresses = engine::parseAddressList(value, 0);
         if (!addresses) {
           return addresses.status();
         }
         config.bind = std::move(*addresses);
         config.default_bind = value == kDefaultBind;
         return Status::ok();
       }},
      flags::portOption("port", "FIBDNS_AS_PORT", "UDP and TCP port to listen on", "53533",
                        config.port),
      {"db", "FIBDNS_AS_DB", "PATH", "SQLite database file (created when missing)", "records.db",
       [&](std::string_view value) -> Status {
         if (value.empty()) {
           return invalidArgument("empty database path");
         }
         config.db_path = std::string(value);
         return Status::ok();
       }},
      {"zone", "FIBDNS_AS_ZONE", "ZONES",
       "comma-separated zones served over DNS; '.' (the root) makes every name ours", ".",
       [&](std::string_view value) -> Status {
         config.zone.apexes = splitList(value);
         if (config.zone.apexes.empty()) {
           return invalidArgument("no zone given");
         }
         return Status::ok();
       }},
      {"ns-name", "FIBDNS_AS_NS_NAME", "NAME",
       "this server's host name, served as the zones' NS and SOA MNAME", "ns1.fibdns.invalid",
       [&](std::string_view value) -> Status {
         config.zone.primary_ns = std::string(value);
         return Status::ok();
       }},
      {"hostmaster", "FIBDNS_AS_HOSTMASTER", "NAME",
       "the zones' SOA RNAME (mailbox with the '@' written as a dot)", "hostmaster.fibdns.invalid",
       [&](std::string_view value) -> Status {
         config.zone.hostmaster = std::string(value);
         return Status::ok();
       }},
      {"nsid", "FIBDNS_AS_NSID", "TEXT",
       "name server identifier sent to DNS clients that ask for it (RFC 5001); empty: none", "",
       [&](std::string_view value) -> Status {
         if (value.size() > 255) {
           return invalidArgument("--nsid longer than 255 bytes");
         }
         config.zone.nsid = std::string(value);
         return Status::ok();
       }},
      flags::unsignedOption("threads", "FIBDNS_AS_THREADS", "N",
                            "UDP serving threads per address (default: the number of CPUs)",
                            cpuCount(), 1, 256, config.threads),
      flags::millisecondsOption("write-timeout-ms", "FIBDNS_AS_WRITE_TIMEOUT_MS",
                                "a registration fails with 'database busy' when the database "
                                "stays locked this long",
                                "2000", 1, 600000, config.write_timeout),
      flags::unsignedOption("write-queue", "FIBDNS_AS_WRITE_QUEUE", "N",
                            "registrations waiting for a commit at most; beyond: 'busy, try again'",
                            "4096", 1, 1000000, config.write_queue),
      flags::unsignedOption("max-records", "FIBDNS_AS_MAX_RECORDS", "N",
                            "names the store may hold; registering a new name beyond fails",
                            "1000000", 1, 100000000, config.max_records),
      {"tsig-keyfile", "FIBDNS_AS_TSIG_KEYFILE", "PATH",
       "TSIG keys as tsig-keygen writes them (key \"name\" { algorithm ...; secret ...; };)", "",
       [&](std::string_view value) -> Status {
         config.tsig_keyfile = std::string(value);
         return Status::ok();
       }},
      {"allow-update", "FIBDNS_AS_ALLOW_UPDATE", "LIST",
       "TSIG key names (and CIDRs) allowed to send DNS UPDATE; default: no one", "",
       [&](std::string_view value) -> Status {
         config.allow_update = std::string(value);
         return aclFrom(value, "--allow-update").status();
       }},
      {"allow-register", "FIBDNS_AS_ALLOW_REGISTER", "CIDRS",
       "comma-separated IPv4/IPv6 CIDRs that may register over the lab protocol",
       std::string(fibdns::kLoopbackAndPrivateRanges),
       [&](std::string_view value) -> Status {
         config.allow_register = std::string(value);
         return AllowList::parse(value).status();
       }},
      {"allow-transfer", "FIBDNS_AS_ALLOW_TRANSFER", "LIST",
       "CIDRs and TSIG key names that may transfer the zones (AXFR/IXFR)", "127.0.0.0/8,::1/128",
       [&](std::string_view value) -> Status {
         config.allow_transfer = std::string(value);
         return aclFrom(value, "--allow-transfer").status();
       }},
      {"notify", "FIBDNS_AS_NOTIFY", "ADDRS",
       "secondaries to NOTIFY after each change: ADDR or ADDR:PORT, IPv6 as [ADDR]:PORT", "",
       [&](std::string_view value) -> Status {
         auto targets = parseNotifyTargets(value);
         if (!targets) {
           return targets.status();
         }
         config.notify = std::move(*targets);
         return Status::ok();
       }},
      flags::unsignedOption("ixfr-history", "FIBDNS_AS_IXFR_HISTORY", "N",
                            "changes kept in the IXFR journal; 0: none (transfers are whole zones)",
                            "10000", 0, 10000000, config.ixfr_history),
      {"metrics", "FIBDNS_AS_METRICS", "ADDR:PORT",
       "serve Prometheus metrics at http://ADDR:PORT/metrics; empty: off", "",
       [&](std::string_view value) -> Status {
         if (value.empty()) {
           config.metrics.reset();
           return Status::ok();
         }
         auto listen = metrics::ListenAddress::parse(value);
         if (!listen) {
           return listen.status();
         }
         config.metrics = *listen;
         return Status::ok();
       }},
      flags::unsignedOption("rrl-rate", "FIBDNS_AS_RRL_RATE", "N",
                            "UDP responses per second per client network (/24, /56) and answer "
                            "class; 0: no response rate limiting",
                            "0", 0, 1000000, config.rrl_rate),
      flags::unsignedOption("rrl-slip", "FIBDNS_AS_RRL_SLIP", "K",
                            "every K-th rate-limited DNS response goes out truncated (TC) so "
                            "real clients retry over TCP; 0: drop them all",
                            "2", 0, 100, config.rrl_slip),
      flags::unsignedOption("tcp-max-connections", "FIBDNS_AS_TCP_MAX_CONNECTIONS", "N",
                            "DNS-over-TCP connections served at once", "256", 1, 10000,
                            config.tcp_max_connections),
      flags::unsignedOption("tcp-per-client", "FIBDNS_AS_TCP_PER_CLIENT", "N",
                            "DNS-over-TCP connections per client address; a newcomer beyond it "
                            "closes that client's connection idle longest",
                            "16", 1, 10000, config.tcp_per_client),
      flags::millisecondsOption("tcp-idle-timeout-ms", "FIBDNS_AS_TCP_IDLE_TIMEOUT_MS",
                                "close a DNS-over-TCP connection idle this long", "10000", 1,
                                3600000, config.tcp_idle_timeout),
      flags::logLevelOption("FIBDNS_AS_LOG_LEVEL"),
      flags::switchOption("health-check",
                          "ask the AS on --bind/--port for a record and exit 0 if it answers",
                          config.health_check),
  };
}

// The IXFR journal, read on the TCP thread through a connection of its own (opened there, on
// first use). Without one (":memory:", a journal-less store), IXFR answers the whole zone.
authority::JournalReader journalReader(const std::string& db_path) {
  auto reader = std::make_shared<std::unique_ptr<storage::SqliteRecordRepository::JournalReader>>();
  return [db_path, reader](std::uint32_t from,
                           std::uint32_t to) -> Result<std::vector<transfer::ChangeSet>> {
    if (*reader == nullptr) {
      auto opened = storage::SqliteRecordRepository::JournalReader::open(db_path);
      if (!opened) {
        return opened.status();
      }
      *reader = std::move(*opened);
    }
    return (*reader)->readChain(from, to);
  };
}

// Asks the first --bind address (a wildcard stands for the loopback of its family).
int runHealthCheck(const AuthoritativeServerConfig& config) {
  const engine::SocketAddress& first = config.bind.front();
  std::string target = first.ip();
  if (first.isWildcard()) {
    target = first.family() == AF_INET6 ? "::1" : "127.0.0.1";
  }
  net::UdpLabClient client({std::chrono::milliseconds(500), 2});
  auto reply = client.exchange({target, config.port}, dns::lab::encodeQuery("health.check"));
  if (!reply) {
    std::fprintf(stderr, "unhealthy: %s\n", reply.status().message().c_str());
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

// The UDP workers: `threads` per address, all on one port (the first bound decides it when the
// port is 0). An IPv6 wildcard in the default list is skipped when the host has no IPv6.
Result<std::vector<std::unique_ptr<engine::UdpWorker>>> bindWorkers(
    AuthoritativeServerConfig& config, const engine::UdpWorker::Context& context) {
  std::vector<std::unique_ptr<engine::UdpWorker>> workers;
  std::vector<engine::SocketAddress> bound;
  std::uint16_t port = config.port;
  for (engine::SocketAddress address : config.bind) {
    address.setPort(port);
    auto first = engine::UdpWorker::bind(address, context);
    if (!first) {
      if (config.default_bind && address.family() == AF_INET6) {
        log::warn("as", "no IPv6 here, serving IPv4 only: " + first.status().message());
        continue;
      }
      return first.status();
    }
    port = (*first)->port();
    address.setPort(port);
    bound.push_back(address);
    workers.push_back(std::move(*first));
    for (std::size_t i = 1; i < config.threads; ++i) {
      auto worker = engine::UdpWorker::bind(address, context);
      if (!worker) {
        return worker.status();
      }
      workers.push_back(std::move(*worker));
    }
  }
  config.bind = std::move(bound);
  config.port = port;
  return workers;
}

}  // namespace

int main(int argc, char** argv) {
  AuthoritativeServerConfig config;
  const auto options = optionTable(config);
  if (const auto exit_code = flags::exitCode(
          flags::parse("authoritative-server",
                       "The fibdns Authoritative Server: Type A records in SQLite, served with the "
                       "lab text protocol (UDP) and standard DNS (UDP and TCP) on one port.",
                       options, argc, argv))) {
    return *exit_code;
  }
  if (config.health_check) {
    return runHealthCheck(config);
  }
  // Every flag is checked before the database is touched.
  auto responder = authority::DnsResponder::create(config.zone);
  if (!responder) {
    log::error("as", "bad zone configuration: " + responder.status().message());
    return 2;
  }

  // Who may write, and how requests are authenticated (also checked before the database).
  security::TsigKeyring keyring;
  if (!config.tsig_keyfile.empty()) {
    std::ifstream file(config.tsig_keyfile);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) {
      log::error("as", "cannot read --tsig-keyfile " + config.tsig_keyfile);
      return 2;
    }
    auto parsed = security::parseTsigKeyring(text.str());
    if (!parsed) {
      log::error("as", "bad --tsig-keyfile " + config.tsig_keyfile + ": " +
                           parsed.status().message());
      return 2;
    }
    keyring = std::move(*parsed);
  }
  // The lists were checked when parsed.
  const security::UpdateAcl update_acl = aclFrom(config.allow_update, "--allow-update").value();
  const security::UpdateAcl transfer_acl =
      aclFrom(config.allow_transfer, "--allow-transfer").value();
  const AllowList register_allowed = AllowList::parse(config.allow_register).value();
  auto cookie_secret = security::ServerCookies::randomSecret();
  if (!cookie_secret) {
    log::error("as", "cannot make a DNS cookie secret: " + cookie_secret.status().message());
    return EXIT_FAILURE;
  }
  const security::ServerCookies cookies(*cookie_secret);
  const authority::DnsRequestHandler dns_handler(*responder, config.zone,
                                                 {&keyring, &cookies, &update_acl, &transfer_acl});

  // Block the stop signals before any thread starts (threads inherit the mask); main waits for
  // them with sigwait: no work in signal handlers.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    log::error("as", "cannot block signals");
    return EXIT_FAILURE;
  }

  storage::SqliteRecordRepositoryOptions store_options;
  // The writer retries a locked database itself (until each registration's deadline), so that
  // it can take in new requests and fail expired ones meanwhile: SQLite's own wait stays short.
  store_options.busy_timeout = std::chrono::milliseconds(100);
  store_options.ixfr_history = config.ixfr_history;
  auto repository = storage::SqliteRecordRepository::open(config.db_path, store_options);
  if (!repository) {
    log::error("as",
               "cannot use database " + config.db_path + ": " + repository.status().message());
    return EXIT_FAILURE;
  }
  auto loaded = (*repository)->loadAll();
  if (!loaded) {
    log::error("as", "cannot read database " + config.db_path + ": " + loaded.status().message());
    return EXIT_FAILURE;
  }
  for (const std::string& skipped : loaded->skipped) {
    log::warn("as", "skipping an invalid record in " + config.db_path + ": " + skipped);
  }
  authority::RecordCache zone_data;
  zone_data.replaceAll(loaded->records);
  zone_data.setSerial(loaded->serial);
  log::info("as",
            "database " + config.db_path + " open: " + std::to_string(zone_data.size()) +
                " record(s), serial " + std::to_string(zone_data.serial()) + ", schema version " +
                std::to_string(storage::Migrator(storage::embeddedMigrations()).latestVersion()));

  engine::SnapshotPublisher publisher(
      std::make_shared<const authority::RecordCache>(zone_data.share()));
  engine::Writer writer(**repository, std::move(zone_data), publisher,
                        {config.write_queue, std::chrono::milliseconds(1000),
                         std::chrono::milliseconds(20)});

  // Metrics: the series exist whether or not --metrics serves them (an atomic add each).
  metrics::Exposition exposition("as");
  std::atomic<std::uint32_t> published_records{0};
  std::atomic<std::uint32_t> published_serial{0};
  metrics::AuthoritativeServerMetrics as_metrics(
      exposition, [&] { return static_cast<double>(published_records.load()); },
      [&] { return static_cast<double>(published_serial.load()); });
  writer.setMetrics(&as_metrics);
  published_records = static_cast<std::uint32_t>(publisher.current()->size());
  published_serial = publisher.current()->serial();
  engine::RefusalLog refusals;
  security::RrlConfig rrl;
  // Each worker limits its own share: one client's datagrams spread over the workers.
  rrl.responses_per_second = config.rrl_rate == 0
                                 ? 0
                                 : static_cast<std::uint32_t>(
                                       (config.rrl_rate + config.threads - 1) / config.threads);
  rrl.slip = config.rrl_slip;
  auto workers = bindWorkers(
      config, {dns_handler, publisher, writer, config.write_timeout,
               [&register_allowed](const IpAddress& source) {
                 return register_allowed.allows(source);
               },
               config.max_records, rrl, refusals, &as_metrics});
  if (!workers) {
    log::error("as", workers.status().message());
    return EXIT_FAILURE;
  }
  std::vector<std::unique_ptr<engine::TcpServer>> tcp_servers;
  for (const engine::SocketAddress& address : config.bind) {
    auto tcp = engine::TcpServer::listen(
        address, {config.tcp_max_connections, config.tcp_per_client, config.tcp_idle_timeout});
    if (!tcp) {
      log::error("as", tcp.status().message());
      return EXIT_FAILURE;
    }
    tcp_servers.push_back(std::move(*tcp));
  }
  engine::TcpService tcp(std::move(tcp_servers),
                         engine::TcpService::answerWith(dns_handler, writer, config.write_timeout,
                                                        config.max_records, refusals,
                                                        journalReader(config.db_path), &as_metrics),
                         publisher);

  std::unique_ptr<engine::Notifier> notifier;
  if (!config.notify.empty()) {
    auto created = engine::Notifier::create(config.notify, config.zone);
    if (!created) {
      log::error("as", created.status().message());
      return EXIT_FAILURE;
    }
    notifier = std::move(*created);
    notifier->start();
  }
  writer.onCommit([&](std::uint32_t serial) {
    published_serial = serial;
    published_records = static_cast<std::uint32_t>(publisher.current()->size());
    if (notifier) {
      notifier->changed(serial);
    }
  });
  std::unique_ptr<metrics::MetricsHttpServer> metrics_server;
  if (config.metrics) {
    metrics_server = std::make_unique<metrics::MetricsHttpServer>(
        [&exposition] { return exposition.render(); },
        metrics::MetricsHttpServerOptions{*config.metrics});
    if (const Status started = metrics_server->start(); !started.isOk()) {
      log::error("as", "--metrics: " + started.message());
      return EXIT_FAILURE;
    }
  }
  writer.start();
  for (auto& worker : *workers) {
    worker->start();
  }
  tcp.start();
  std::string addresses;
  for (const engine::SocketAddress& address : config.bind) {
    addresses += (addresses.empty() ? "" : ", ") + address.toString();
  }
  std::string zones;
  for (const std::string& apex : config.zone.apexes) {
    zones += (zones.empty() ? "" : ",") + (apex.empty() ? std::string(".") : apex);
  }
  log::info("as", "serving the lab protocol and DNS on udp+tcp " + addresses + " with " +
                      std::to_string(config.threads) + " UDP thread(s) per address, zones " +
                      zones);

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  log::info("as", "received signal " + std::to_string(signal_number) + ", shutting down");

  // Drain in order: stop reading, then commit and acknowledge what is queued (through the
  // workers' still-open sockets), then close the sockets and the database.
  for (auto& worker : *workers) {
    worker->stop();
  }
  tcp.stop();
  writer.stop();
  if (notifier) {
    notifier->stop();
  }
  if (metrics_server) {
    metrics_server->stop();
  }
  workers->clear();
  (*repository).reset();  // closes the database (checkpoints the WAL) before we say so
  log::info("as", "stopped; database closed");
  return EXIT_SUCCESS;
}
