// authoritative-server: the composition root of the AS. Parses flags, opens and migrates the
// store, loads the in-memory index, and serves UDP until SIGTERM/SIGINT.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "fibdns/authority/datagram_dispatcher.h"
#include "fibdns/authority/dns_responder.h"
#include "fibdns/authority/lab_handler.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/lab_codec.h"
#include "fibdns/net/tcp_server.h"
#include "fibdns/net/udp_lab_client.h"
#include "fibdns/net/udp_server.h"
#include "fibdns/storage/migrator.h"
#include "fibdns/storage/sqlite_record_repository.h"

namespace {

using namespace fibdns;

struct AuthoritativeServerConfig {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 53533;
  std::string db_path;
  bool health_check = false;
  authority::ZoneConfig zone;
  std::size_t tcp_max_connections = 256;
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

std::vector<flags::Option> optionTable(AuthoritativeServerConfig& config) {
  return {
      flags::ipv4Option("bind", "FIBDNS_AS_BIND", "address to listen on", "0.0.0.0", config.bind),
      flags::portOption("port", "FIBDNS_AS_PORT", "UDP port to listen on", "53533", config.port),
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
      flags::unsignedOption("tcp-max-connections", "FIBDNS_AS_TCP_MAX_CONNECTIONS", "N",
                            "DNS-over-TCP connections served at once", "256", 1, 10000,
                            config.tcp_max_connections),
      flags::millisecondsOption("tcp-idle-timeout-ms", "FIBDNS_AS_TCP_IDLE_TIMEOUT_MS",
                                "close a DNS-over-TCP connection idle this long", "10000", 1,
                                3600000, config.tcp_idle_timeout),
      flags::logLevelOption("FIBDNS_AS_LOG_LEVEL"),
      flags::switchOption("health-check",
                          "ask the AS on --bind/--port for a record and exit 0 if it answers",
                          config.health_check),
  };
}

int runHealthCheck(const AuthoritativeServerConfig& config) {
  const std::string target = config.bind == "0.0.0.0" ? "127.0.0.1" : config.bind;
  net::UdpLabClient client({std::chrono::milliseconds(500), 2});
  auto reply = client.exchange({target, config.port}, dns::lab::encodeQuery("health.check"));
  if (!reply) {
    std::fprintf(stderr, "unhealthy: %s\n", reply.status().message().c_str());
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
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

  // Block the stop signals before anything else, and receive them through a signalfd in the
  // serving loop: no work in signal handlers.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    log::error("as", "cannot block signals");
    return EXIT_FAILURE;
  }
  const int signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    log::error("as", "signalfd failed");
    return EXIT_FAILURE;
  }

  auto repository = storage::SqliteRecordRepository::open(config.db_path);
  if (!repository) {
    log::error("as",
               "cannot use database " + config.db_path + ": " + repository.status().message());
    return EXIT_FAILURE;
  }
  authority::RecordCache cache;
  auto records = (*repository)->list();
  auto serial = (*repository)->changeSerial();
  if (!records || !serial) {
    log::error("as", "cannot read database " + config.db_path + ": " +
                         (!records ? records.status() : serial.status()).message());
    return EXIT_FAILURE;
  }
  cache.replaceAll(*records);
  cache.setSerial(*serial);
  log::info("as",
            "database " + config.db_path + " open: " + std::to_string(cache.size()) +
                " record(s), serial " + std::to_string(cache.serial()) + ", schema version " +
                std::to_string(storage::Migrator(storage::embeddedMigrations()).latestVersion()));

  auto responder = authority::DnsResponder::create(config.zone, cache);
  if (!responder) {
    log::error("as", "bad zone configuration: " + responder.status().message());
    return 2;
  }
  auto server = net::UdpServer::bind(config.bind, config.port);
  if (!server) {
    log::error("as", server.status().message());
    return EXIT_FAILURE;
  }
  // TCP on the same port as UDP (RFC 7766); port 0 means "whatever UDP got".
  auto tcp = net::TcpServer::listen(config.bind, (*server)->port(),
                                    {config.tcp_max_connections, config.tcp_idle_timeout});
  if (!tcp) {
    log::error("as", tcp.status().message());
    return EXIT_FAILURE;
  }
  authority::LabHandler lab(**repository, cache);
  std::vector<std::uint8_t> dns_reply(authority::DnsResponder::kMaxTcpMessage);
  authority::DatagramDispatcher dispatcher(lab, [&](std::span<const std::uint8_t> datagram,
                                                    std::string& reply) {
    const auto size = responder->respond(
        datagram, std::span<std::uint8_t>(dns_reply.data(), authority::DnsResponder::kEdnsPayload),
        authority::Transport::Udp);
    if (size) {
      reply.assign(reinterpret_cast<const char*>(dns_reply.data()), *size);
    }
  });
  const net::TcpServer::MessageHandler answer_tcp =
      [&](std::span<const std::uint8_t> message) -> std::optional<std::span<const std::uint8_t>> {
    try {
      const auto size = responder->respond(message, dns_reply, authority::Transport::Tcp);
      if (!size) {
        return std::nullopt;
      }
      return std::span<const std::uint8_t>(dns_reply.data(), *size);
    } catch (const std::exception& e) {
      log::error("as", std::string("unexpected error while answering over TCP: ") + e.what());
      return std::nullopt;
    }
  };
  std::string zones;
  for (const std::string& apex : config.zone.apexes) {
    zones += (zones.empty() ? "" : ",") + (apex.empty() ? std::string(".") : apex);
  }
  log::info("as", "serving the lab protocol and DNS on udp+tcp " + config.bind + ":" +
                      std::to_string((*server)->port()) + ", zones " + zones);

  std::vector<std::span<const std::uint8_t>> spans;
  const net::BatchHandler handle_batch = [&](std::span<const net::Datagram> datagrams,
                                             std::vector<std::string>& replies) {
    spans.clear();
    for (const net::Datagram& datagram : datagrams) {
      spans.push_back(datagram.bytes);
    }
    try {
      dispatcher.handleBatch(spans, replies);
    } catch (const std::exception& e) {
      // Last-resort barrier: answer what we can and keep serving.
      log::error("as", std::string("unexpected error while answering: ") + e.what());
      for (std::size_t i = 0; i < replies.size(); ++i) {
        if (replies[i].empty() && dns::lab::looksLikeText(spans[i])) {
          replies[i] = dns::lab::encodeServerError("internal error");
        }
      }
    }
  };

  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({(*server)->fd(), POLLIN, 0});
    fds.push_back({signal_fd, POLLIN, 0});
    (*tcp)->appendPollFds(fds);
    const int ready = ::poll(fds.data(), fds.size(), (*tcp)->nextTimeoutMs());
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      log::error("as", "poll failed");
      break;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      const ssize_t ignored = ::read(signal_fd, &info, sizeof info);
      (void)ignored;  // which signal does not matter: both mean stop
      log::info("as", "received signal " + std::to_string(info.ssi_signo) + ", shutting down");
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      (*server)->drain(handle_batch);
    }
    (*tcp)->handle(std::span<const pollfd>(fds).subspan(2), answer_tcp);
  }
  ::close(signal_fd);
  (*repository).reset();  // closes the database (checkpoints the WAL) before we say so
  log::info("as", "stopped; database closed");
  return EXIT_SUCCESS;
}
