#include "integration/support/secondaries.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fibdns::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uid_t kNobodyUid = 65534;
constexpr gid_t kNogroupGid = 65534;
constexpr auto kPollInterval = std::chrono::milliseconds(10);

std::string findBinary(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    const fs::path path = fs::path(dir) / name;
    if (fs::exists(path)) {
      return path.string();
    }
  }
  throw std::runtime_error(name + " not found: install it (scripts/lib/deps.sh lists it)");
}

bool runningAsRoot() { return ::geteuid() == 0; }

// The daemon's command line, dropped to nobody when we are root (the daemons' own user options
// would also work, but only after they have opened their files as root).
std::pair<std::string, std::vector<std::string>> daemonCommand(const std::string& binary,
                                                               std::vector<std::string> args) {
  if (!runningAsRoot()) {
    return {binary, std::move(args)};
  }
  std::vector<std::string> full{"--reuid=nobody", "--regid=nogroup", "--clear-groups", binary};
  full.insert(full.end(), args.begin(), args.end());
  return {findBinary("setpriv"), std::move(full)};
}

// Gives `dir` (and everything in it) to nobody when we are root, and lets nobody through its
// parent (a TempDir is 0700).
void handOver(const std::string& dir) {
  if (!runningAsRoot()) {
    return;
  }
  const fs::path parent = fs::path(dir).parent_path();
  ::chmod(parent.c_str(), 0755);
  (void)::chown(dir.c_str(), kNobodyUid, kNogroupGid);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    (void)::chown(entry.path().c_str(), kNobodyUid, kNogroupGid);
  }
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

bool bindable(const std::string& ip, unsigned short port, int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// Single-quotes `text` for /bin/sh.
std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

DnsEndpoint freeDnsEndpoint(const std::string& ip) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const unsigned short port = freeTcpPort(ip);
    if (bindable(ip, port, SOCK_DGRAM)) {
      return DnsEndpoint{ip, port};
    }
  }
  throw std::runtime_error("no port free for both UDP and TCP on " + ip);
}

namespace {

// key "NAME" { algorithm ALG; secret "BASE64"; };  as tsig-keygen writes it.
std::optional<TsigKey> parseKeyBlock(const std::string& text, const std::string& file) {
  static const std::regex kKey(
      R"re(key\s+"([^"]+)"\s*\{\s*algorithm\s+([A-Za-z0-9-]+)\s*;\s*secret\s+"([A-Za-z0-9+/=]+)")re");
  std::smatch match;
  if (!std::regex_search(text, match, kKey)) {
    return std::nullopt;
  }
  return TsigKey{match[1].str(), match[2].str(), match[3].str(), file};
}

}  // namespace

TsigKey makeTsigKey(const std::string& dir, const std::string& name) {
  int status = 0;
  const std::string output =
      runCommand(findBinary("tsig-keygen") + " -a hmac-sha256 " + shellQuote(name), &status);
  const std::string file = dir + "/" + name + ".key";
  auto key = parseKeyBlock(output, file);
  if (status != 0 || !key) {
    throw std::runtime_error("tsig-keygen failed: " + output);
  }
  writeFile(file, output);
  return *key;
}

TsigKey readTsigKey(const std::string& path) {
  auto key = parseKeyBlock(readFile(path), path);
  if (!key) {
    throw std::runtime_error("no key block in " + path);
  }
  return *key;
}

SecondaryConfig secondaryConfig(SecondaryKind kind, std::string zone, DnsEndpoint listen,
                                DnsEndpoint primary, TsigKey key) {
  SecondaryConfig config;
  config.kind = kind;
  config.zone = std::move(zone);
  config.listen = std::move(listen);
  config.primary = std::move(primary);
  config.key = std::move(key);
  return config;
}

DigResult dig(const DnsEndpoint& server, const std::string& args) {
  DigResult result;
  result.output =
      runCommand(findBinary("dig") + " @" + server.ip + " -p " + std::to_string(server.port) +
                     " +time=1 +tries=1 " + args + " 2>&1",
                 &result.status);
  return result;
}

SecondaryServer::SecondaryServer(SecondaryConfig config, std::string dir)
    : config_(std::move(config)), dir_(std::move(dir)) {
  fs::create_directories(dir_ + "/db");  // Knot: the database folder must exist (secondaries.md)
  writeConfig();
  handOver(dir_);
  start();
}

SecondaryServer::~SecondaryServer() { stop(); }

void SecondaryServer::writeConfig() {
  const SecondaryConfig& c = config_;
  const bool signed_transfers = !c.key.name.empty();
  std::ostringstream conf;
  if (c.kind == SecondaryKind::Knot) {
    config_path_ = dir_ + "/knot.conf";
    conf << "server:\n  rundir: \"" << dir_ << "\"\n  listen: " << c.listen.knotForm() << "\n"
         << "log:\n  - target: stderr\n    any: info\n";
    if (signed_transfers) {
      conf << "key:\n  - id: " << c.key.name << "\n    algorithm: " << c.key.algorithm
           << "\n    secret: " << c.key.secret << "\n";
    }
    conf << "remote:\n  - id: primary\n    address: " << c.primary.knotForm() << "\n";
    if (signed_transfers) {
      conf << "    key: " << c.key.name << "\n";
    }
    // NOTIFY leaves the primary from whatever address the kernel picks (secondaries.md).
    conf << "acl:\n  - id: notify_from_primary\n    address: 127.0.0.0/8\n    action: notify\n"
         << "database:\n  storage: \"" << dir_ << "/db\"\n"
         << "template:\n  - id: default\n    storage: \"" << dir_ << "\"\n"
         << "zone:\n  - domain: " << c.zone << "\n    master: primary\n"
         << "    acl: notify_from_primary\n";
  } else {
    config_path_ = dir_ + "/nsd.conf";
    conf << "server:\n  ip-address: " << c.listen.ip << "\n  port: " << c.listen.port << "\n"
         << "  server-count: 1\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"" << dir_
         << "\"\n  database: \"\"\n  zonelistfile: \"" << dir_ << "/zone.list\"\n"
         << "  xfrdfile: \"" << dir_ << "/xfrd.state\"\n  xfrdir: \"" << dir_ << "\"\n"
         << "  pidfile: \"" << dir_ << "/nsd.pid\"\n  logfile: \"" << dir_ << "/nsd.log\"\n"
         << "  verbosity: 2\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n"
         << (c.nsd_reload_timeout_s
                 ? "  xfrd-reload-timeout: " + std::to_string(*c.nsd_reload_timeout_s) + "\n"
                 : std::string())
         << "remote-control:\n  control-enable: no\n";
    if (signed_transfers) {
      conf << "key:\n  name: " << c.key.name << "\n  algorithm: " << c.key.algorithm
           << "\n  secret: \"" << c.key.secret << "\"\n";
    }
    conf << "zone:\n  name: " << c.zone << "\n  zonefile: \"" << dir_ << "/" << c.zone
         << ".zone\"\n  allow-notify: 127.0.0.0/8 NOKEY\n  request-xfr: " << c.primary.knotForm()
         << " " << (signed_transfers ? c.key.name : "NOKEY") << "\n";
  }
  writeFile(config_path_, conf.str());
}

void SecondaryServer::start() {
  if (process_ && process_->running()) {
    return;
  }
  auto [path, args] = config_.kind == SecondaryKind::Knot
                          ? daemonCommand(findBinary("knotd"), {"-c", config_path_})
                          : daemonCommand(findBinary("nsd"), {"-d", "-c", config_path_});
  process_ = std::make_unique<ChildProcess>(path, args, dir_ + "/stderr.log");
}

void SecondaryServer::stop() {
  if (process_) {
    // SIGTERM first: NSD's children (xfrd, the server) leave with their parent only then.
    (void)process_->stop(SIGTERM, std::chrono::seconds(5));
    process_.reset();
  }
}

bool SecondaryServer::running() { return process_ && process_->running(); }

std::string SecondaryServer::lastLogLineWith(const std::string& first,
                                             const std::string& second) const {
  std::string found;
  std::istringstream lines(log());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(first) != std::string::npos && line.find(second) != std::string::npos) {
      found = line;
    }
  }
  return found;
}

std::string SecondaryServer::log() const {
  std::string text = readFile(dir_ + "/stderr.log");
  if (config_.kind == SecondaryKind::Nsd) {
    text += readFile(dir_ + "/nsd.log");
  }
  return text;
}

std::string SecondaryServer::digShort(const std::string& name, const std::string& type) const {
  return trim(dig(config_.listen, "+short " + shellQuote(name) + " " + type).output);
}

std::optional<std::uint32_t> SecondaryServer::serial() const {
  // +short SOA: "ns1.fib.test. hostmaster.fib.test. SERIAL REFRESH RETRY EXPIRE MINIMUM"
  std::istringstream fields(digShort(config_.zone, "SOA"));
  std::string mname;
  std::string rname;
  std::uint64_t serial = 0;
  if (fields >> mname >> rname >> serial && serial <= 0xFFFFFFFFU) {
    return static_cast<std::uint32_t>(serial);
  }
  return std::nullopt;
}

bool SecondaryServer::waitForSerial(std::uint32_t serial, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (this->serial() == serial) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

std::optional<std::chrono::milliseconds> SecondaryServer::waitForAddress(
    const std::string& name, const std::string& address, std::chrono::milliseconds timeout) const {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  while (Clock::now() < deadline) {
    if (digShort(name, "A") == address) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return std::nullopt;
}

KnotPrimary::KnotPrimary(std::string zone, DnsEndpoint listen, TsigKey key,
                         std::vector<DnsEndpoint> notify, const std::vector<std::string>& records,
                         std::string dir)
    : zone_(std::move(zone)),
      listen_(std::move(listen)),
      key_(std::move(key)),
      dir_(std::move(dir)) {
  fs::create_directories(dir_ + "/db");
  std::ostringstream zone_file;
  zone_file << "$ORIGIN " << zone_ << ".\n$TTL 10\n"
            << "@ SOA ns1." << zone_ << ". hostmaster." << zone_
            << ". 1 3600 600 1209600 60\n@ NS ns1." << zone_ << ".\nns1 A 127.0.0.1\n";
  for (const std::string& line : records) {
    zone_file << line << "\n";
  }
  writeFile(dir_ + "/" + zone_ + ".zone", zone_file.str());

  std::ostringstream conf;
  conf << "server:\n  rundir: \"" << dir_ << "\"\n  listen: " << listen_.knotForm() << "\n"
       << "log:\n  - target: stderr\n    any: info\n"
       << "key:\n  - id: " << key_.name << "\n    algorithm: " << key_.algorithm
       << "\n    secret: " << key_.secret << "\n";
  if (!notify.empty()) {
    conf << "remote:\n";
    for (std::size_t i = 0; i < notify.size(); ++i) {
      conf << "  - id: secondary" << i << "\n    address: " << notify[i].knotForm() << "\n";
    }
  }
  conf << "acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    key: " << key_.name
       << "\n    action: [transfer, update]\n"
       << "database:\n  storage: \"" << dir_ << "/db\"\n"
       << "template:\n  - id: default\n    storage: \"" << dir_ << "\"\n"
       << "zone:\n  - domain: " << zone_ << "\n    file: \"" << dir_ << "/" << zone_
       << ".zone\"\n    acl: xfr\n";
  if (!notify.empty()) {
    conf << "    notify: [";
    for (std::size_t i = 0; i < notify.size(); ++i) {
      conf << (i == 0 ? "" : ", ") << "secondary" << i;
    }
    conf << "]\n";
  }
  writeFile(dir_ + "/knot.conf", conf.str());
  handOver(dir_);
  auto [path, args] = daemonCommand(findBinary("knotd"), {"-c", dir_ + "/knot.conf"});
  process_ = std::make_unique<ChildProcess>(path, args, dir_ + "/stderr.log");
}

KnotPrimary::~KnotPrimary() {
  if (process_) {
    (void)process_->stop(SIGTERM, std::chrono::seconds(5));
  }
}

std::string KnotPrimary::log() const { return readFile(dir_ + "/stderr.log"); }

bool KnotPrimary::waitUntilServing(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!trim(dig(listen_, "+short " + zone_ + " SOA").output).empty()) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

bool KnotPrimary::nsupdateA(const std::string& name, const std::string& address,
                            std::uint32_t ttl) const {
  std::ostringstream script;
  script << "server " << listen_.ip << " " << listen_.port << "\nzone " << zone_
         << "\nupdate delete " << name << " A\nupdate add " << name << " " << ttl << " A "
         << address << "\nsend\n";
  const std::string script_path = dir_ + "/nsupdate.txt";
  writeFile(script_path, script.str());
  int status = 0;
  (void)runCommand(findBinary("nsupdate") + " -t 5 -k " + shellQuote(key_.file) + " " +
                       shellQuote(script_path) + " 2>&1",
                   &status);
  return status == 0;
}

}  // namespace fibdns::testing
