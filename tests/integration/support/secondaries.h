#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/support/process.h"

/// Real secondaries for the zone-transfer integration tests: Debian's Knot (knotd) and NSD
/// started in the foreground in a private folder, on a loopback address and free ports, fed by a
/// primary given as input (the AS, or KnotPrimary below), with a TSIG key made by tsig-keygen.
/// Configurations and traps: ../shared/notes/secondaries.md.
///
/// Unprivileged: when the test runs as root, every daemon runs as `nobody` (setpriv), and its
/// folder is handed over to that user; no daemon ever touches a system path or port 53.
/// Everything is bounded: start-up, polling (every 10 ms) and stopping (SIGTERM, then SIGKILL
/// after 5 s). Failures of the environment (a missing binary, tsig-keygen failing) throw
/// std::runtime_error: this is test support, and a test cannot go on without them.
namespace fibdns::testing {

/// An address and port a DNS server listens on (UDP and TCP).
struct DnsEndpoint {
  std::string ip;
  unsigned short port = 0;

  /// "127.0.0.66@32001", the form Knot and NSD configurations use.
  std::string knotForm() const { return ip + "@" + std::to_string(port); }
};

/// A port on `ip` free for both UDP and TCP a moment ago.
DnsEndpoint freeDnsEndpoint(const std::string& ip);

/// A TSIG key as BIND's `tsig-keygen -a hmac-sha256 NAME` makes it.
struct TsigKey {
  std::string name;
  std::string algorithm;  // "hmac-sha256"
  std::string secret;     // base64
  std::string file;       // tsig-keygen's output (key "name" {...};): for nsupdate -k, dig -k
};

/// Runs tsig-keygen and writes its output to `dir`/`name`.key.
TsigKey makeTsigKey(const std::string& dir, const std::string& name = "xfr");

/// Reads a key file in tsig-keygen's format (the first key in it), e.g. the AS's
/// --tsig-keyfile, so secondaries share the primary's key.
TsigKey readTsigKey(const std::string& path);

enum class SecondaryKind { Knot, Nsd };

struct SecondaryConfig {
  SecondaryKind kind = SecondaryKind::Knot;
  std::string zone = "fib.test";
  DnsEndpoint listen;   // where the secondary answers
  DnsEndpoint primary;  // where it requests transfers; NOTIFY is accepted from 127.0.0.0/8
  TsigKey key;          // every transfer request is signed with it; an empty name: unsigned
  /// NSD only: seconds NSD waits after a transfer before it serves the new zone
  /// (xfrd-reload-timeout, 1 s by default, which dominates NSD's propagation time). nullopt keeps
  /// Debian's default.
  std::optional<int> nsd_reload_timeout_s;
};

/// A SecondaryConfig with every optional setting at its default.
SecondaryConfig secondaryConfig(SecondaryKind kind, std::string zone, DnsEndpoint listen,
                                DnsEndpoint primary, TsigKey key);

/// What dig said: the exit status and its output.
struct DigResult {
  int status = -1;
  std::string output;
};

/// Runs `dig @ip -p port +time=1 +tries=1 <args>` and returns what it printed.
DigResult dig(const DnsEndpoint& server, const std::string& args);

/// One secondary daemon. The constructor writes its configuration under `dir` (created) and
/// starts it; it does not wait for the zone (waitForSerial / waitForAddress do).
class SecondaryServer {
 public:
  SecondaryServer(SecondaryConfig config, std::string dir);
  ~SecondaryServer();
  SecondaryServer(const SecondaryServer&) = delete;
  SecondaryServer& operator=(const SecondaryServer&) = delete;

  /// Starts the daemon again after stop(), with the zone it had: it catches up from there.
  void start();
  /// SIGTERM, then SIGKILL after 5 s; reaps it. Idempotent.
  void stop();
  bool running();

  const SecondaryConfig& config() const { return config_; }
  const DnsEndpoint& endpoint() const { return config_.listen; }
  const char* name() const { return config_.kind == SecondaryKind::Knot ? "knot" : "nsd"; }
  /// Everything the daemon logged (stderr and, for NSD, its log file).
  std::string log() const;
  /// The last line of log() that contains both `first` and `second`; empty when none does.
  std::string lastLogLineWith(const std::string& first, const std::string& second) const;

  /// `dig +short NAME TYPE` against this secondary.
  std::string digShort(const std::string& name, const std::string& type) const;
  /// The zone's SOA serial as the secondary answers it; nullopt before it has the zone.
  std::optional<std::uint32_t> serial() const;
  /// Polls every 10 ms until the secondary answers the zone's SOA with `serial`.
  bool waitForSerial(std::uint32_t serial, std::chrono::milliseconds timeout) const;
  /// Polls every 10 ms until `name` answers `address`; how long that took, or nullopt.
  std::optional<std::chrono::milliseconds> waitForAddress(const std::string& name,
                                                          const std::string& address,
                                                          std::chrono::milliseconds timeout) const;

 private:
  void writeConfig();

  SecondaryConfig config_;
  std::string dir_;
  std::string config_path_;
  std::unique_ptr<ChildProcess> process_;
};

/// The reference primary of secondaries.md: Knot serving a zone from a zone file, taking
/// TSIG-signed dynamic updates and NOTIFYing the secondaries it is given. The harness's own
/// test uses it; the AS replaces it once it serves AXFR.
class KnotPrimary {
 public:
  /// `records`: zone-file lines below the apex, e.g. "www 10 A 10.0.0.2" (SOA serial 1 and
  /// "ns1 A 127.0.0.1" are added). Transfers and updates need `key`.
  KnotPrimary(std::string zone, DnsEndpoint listen, TsigKey key, std::vector<DnsEndpoint> notify,
              const std::vector<std::string>& records, std::string dir);
  ~KnotPrimary();
  KnotPrimary(const KnotPrimary&) = delete;
  KnotPrimary& operator=(const KnotPrimary&) = delete;

  const DnsEndpoint& endpoint() const { return listen_; }
  std::string log() const;
  /// Waits (bounded) until it answers the zone's SOA.
  bool waitUntilServing(std::chrono::milliseconds timeout) const;
  /// `nsupdate -k`: replaces `name`'s A record (delete then add, one signed update). True when
  /// the primary acknowledged it.
  bool nsupdateA(const std::string& name, const std::string& address, std::uint32_t ttl) const;

 private:
  std::string zone_;
  DnsEndpoint listen_;
  TsigKey key_;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace fibdns::testing
