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
#include "fibdns/authority/lab_handler.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/common/flags.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/lab_codec.h"
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
};

std::vector<flags::Option> optionTable(AuthoritativeServerConfig& config) {
  return {
      {"bind", "FIBDNS_AS_BIND", "IPV4", "address to listen on", "0.0.0.0",
       [&](std::string_view value) -> Status {
         if (auto parsed = dns::parseIpv4(value); !parsed) {
           return parsed.status();
         }
         config.bind = std::string(value);
         return Status::ok();
       }},
      {"port", "FIBDNS_AS_PORT", "PORT", "UDP port to listen on", "53533",
       [&](std::string_view value) -> Status {
         auto port = flags::parsePort(value);
         if (!port) {
           return port.status();
         }
         config.port = *port;
         return Status::ok();
       }},
      {"db", "FIBDNS_AS_DB", "PATH", "SQLite database file (created when missing)", "records.db",
       [&](std::string_view value) -> Status {
         if (value.empty()) {
           return invalidArgument("empty database path");
         }
         config.db_path = std::string(value);
         return Status::ok();
       }},
      {"log-level", "FIBDNS_AS_LOG_LEVEL", "LEVEL", "debug, info, warn or error", "info",
       [](std::string_view value) -> Status {
         log::Level level{};
         if (!log::parseLevel(value, level)) {
           return invalidArgument("unknown log level '" + std::string(value) + "'");
         }
         log::setLevel(level);
         return Status::ok();
       }},
      {"health-check", "", "", "ask the AS on --bind/--port for a record and exit 0 if it answers",
       "", [&](std::string_view) -> Status {
         config.health_check = true;
         return Status::ok();
       }},
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
  switch (flags::parse("authoritative-server",
                       "The fibdns Authoritative Server: Type A records in SQLite, served over UDP "
                       "with the lab text protocol.",
                       options, argc, argv)) {
    case flags::Outcome::ExitSuccess: return EXIT_SUCCESS;
    case flags::Outcome::ExitUsage: return 2;
    case flags::Outcome::Run: break;
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
    log::error("as", "cannot use database " + config.db_path + ": " +
                         repository.status().message());
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
  log::info("as", "database " + config.db_path + " open: " + std::to_string(cache.size()) +
                      " record(s), serial " + std::to_string(cache.serial()) + ", schema version " +
                      std::to_string(storage::Migrator(storage::embeddedMigrations()).latestVersion()));

  auto server = net::UdpServer::bind(config.bind, config.port);
  if (!server) {
    log::error("as", server.status().message());
    return EXIT_FAILURE;
  }
  authority::LabHandler lab(**repository, cache);
  authority::DatagramDispatcher dispatcher(lab);
  log::info("as", "serving the lab protocol on udp " + config.bind + ":" +
                      std::to_string((*server)->port()));

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

  pollfd fds[2] = {{(*server)->fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
  for (;;) {
    const int ready = ::poll(fds, 2, -1);
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
  }
  ::close(signal_fd);
  (*repository).reset();  // closes the database (checkpoints the WAL) before we say so
  log::info("as", "stopped; database closed");
  return EXIT_SUCCESS;
}
