// Issue 10 against the real authoritative-server binary: Debian's Knot and NSD as secondaries of
// the AS (TSIG-signed AXFR, then NOTIFY + IXFR), kill -9 and restart of the AS, a secondary
// stopped while registrations happen, --allow-transfer by source and by key, and what dig and a
// raw socket read from AXFR/IXFR. Everything on 127.0.0.69 (the AS and both secondaries; their
// transfer requests leave from 127.0.0.1) and 127.0.0.70 (a source outside --allow-transfer).
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "integration/support/process.h"
#include "integration/support/secondaries.h"
#include "integration/support/sockets.h"
#include "support/dns_packets.h"
#include "support/temp_dir.h"

namespace fibdns::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kIp = "127.0.0.69";
constexpr const char* kOutsider = "127.0.0.70";
constexpr const char* kZone = "fib.test";
constexpr std::uint16_t kTypeAxfr = 252;

// Transfers Knot logged of `kind` ("AXFR" or "IXFR"): one "started" line each.
std::size_t knotTransfers(const std::string& log, const std::string& kind) {
  const std::regex line(kind + R"(, incoming, remote \S+, started)");
  return static_cast<std::size_t>(
      std::distance(std::sregex_iterator(log.begin(), log.end(), line), std::sregex_iterator()));
}

// The record lines of dig's transfer output (comments and blank lines dropped), split on tabs.
std::vector<std::vector<std::string>> records(const std::string& output) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == ';') {
      continue;
    }
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string field; cells >> field;) {
      fields.push_back(field);
    }
    if (fields.size() >= 5) {
      rows.push_back(std::move(fields));
    }
  }
  return rows;
}

// True when `rows` hold `name` `type` `value` (value: the first RDATA field).
bool hasRecord(const std::vector<std::vector<std::string>>& rows, const std::string& name,
               const std::string& type, const std::string& value) {
  for (const auto& row : rows) {
    if (row[0] == name && row[3] == type && row[4] == value) {
      return true;
    }
  }
  return false;
}

// NSD logs every transfer it applied as "received update to serial N ... of B bytes", the same
// words for AXFR and IXFR; the sizes tell them apart (a difference is a few hundred bytes, the
// zone of these tests several kilobytes). The sizes, in the order NSD logged them.
std::vector<std::size_t> nsdTransferSizes(const std::string& log) {
  static const std::regex kLine(
      R"(zone fib\.test\. received update to serial \d+ .* of (\d+) bytes)");
  std::vector<std::size_t> sizes;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kLine); it != std::sregex_iterator();
       ++it) {
    sizes.push_back(std::stoul((*it)[1].str()));
  }
  return sizes;
}

class AsSecondariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = makeTsigKey(temp_.path(), "xfr");
    // Known to the AS (so its signature verifies) but not listed in --allow-transfer.
    other_key_ = makeTsigKey(temp_.path(), "other");
    keyfile_ = temp_.file("keys.conf");
    std::ofstream(keyfile_) << readFile(key_.file) << readFile(other_key_.file);
    as_ = freeDnsEndpoint(kIp);
    knot_endpoint_ = freeDnsEndpoint(kIp);
    nsd_endpoint_ = freeDnsEndpoint(kIp);
  }

  void TearDown() override {
    nsd_.reset();
    knot_.reset();
    server_.reset();
  }

  // Starts (or restarts, on the same database and port) the AS as the secondaries' primary.
  void startAs(const std::string& ixfr_history = "10000") {
    server_.reset();
    server_ = std::make_unique<ChildProcess>(
        binaryPath("authoritative-server"),
        std::vector<std::string>{"--bind",
                                 kIp,
                                 "--port",
                                 std::to_string(as_.port),
                                 "--db",
                                 temp_.file("records.db"),
                                 "--zone",
                                 kZone,
                                 "--ns-name",
                                 "ns1.fib.test",
                                 "--threads",
                                 "2",
                                 "--tsig-keyfile",
                                 keyfile_,
                                 "--allow-update",
                                 "xfr",
                                 "--allow-transfer",
                                 "127.0.0.1/32,xfr",
                                 "--ixfr-history",
                                 ixfr_history,
                                 "--notify",
                                 knot_endpoint_.ip + ":" + std::to_string(knot_endpoint_.port) +
                                     "," + nsd_endpoint_.ip + ":" +
                                     std::to_string(nsd_endpoint_.port)},
        temp_.file("as-" + std::to_string(++as_starts_) + ".log"));
    ASSERT_FALSE(waitForUdpReply(kIp, as_.port, labQuery("ready.check")).empty()) << server_->log();
  }

  void startSecondaries() {
    SecondaryConfig knot = secondaryConfig(SecondaryKind::Knot, kZone, knot_endpoint_, as_, key_);
    SecondaryConfig nsd = secondaryConfig(SecondaryKind::Nsd, kZone, nsd_endpoint_, as_, key_);
    nsd.nsd_reload_timeout_s = 0;  // NSD serves a transfer at once, not a second later
    knot_ = std::make_unique<SecondaryServer>(knot, temp_.file("knot"));
    nsd_ = std::make_unique<SecondaryServer>(nsd, temp_.file("nsd"));
  }

  // 100 names, so a whole-zone transfer is several kilobytes and a difference is not.
  void seedZone() {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(
          registerName("host-" + std::to_string(i) + ".fib.test", "10.0.2." + std::to_string(i)));
    }
  }

  // NSD applied its first transfer (the zone, AXFR) and, from the `from`-th on, only
  // differences (IXFR): each under a quarter of the zone's size.
  void expectNsdTookDifferencesFrom(std::size_t from) {
    const std::vector<std::size_t> sizes = nsdTransferSizes(nsd_->log());
    ASSERT_GT(sizes.size(), from) << nsd_->log();
    ASSERT_GT(sizes[0], 2000U) << nsd_->log();
    for (std::size_t i = from; i < sizes.size(); ++i) {
      EXPECT_LT(sizes[i], sizes[0] / 4) << "transfer " << i << " was the whole zone:\n"
                                        << nsd_->log();
    }
  }

  std::vector<SecondaryServer*> secondaries() { return {knot_.get(), nsd_.get()}; }

  // Waits until both secondaries serve the AS's current serial.
  void expectInSync(std::chrono::milliseconds timeout) {
    const std::optional<std::uint32_t> serial = asSerial();
    ASSERT_TRUE(serial.has_value()) << server_->log();
    for (SecondaryServer* secondary : secondaries()) {
      ASSERT_TRUE(secondary->waitForSerial(*serial, timeout))
          << secondary->name() << " never reached serial " << *serial << ":\n"
          << secondary->log() << "\nAS:\n"
          << server_->log();
    }
  }

  bool registerName(const std::string& name, const std::string& ip) {
    return udpExchange(kIp, as_.port, labRegistration(name, ip, 10), seconds(3)) ==
           "Registration Succeeded!";
  }

  bool nsupdate(const std::string& name, const std::string& ip) {
    const std::string script = temp_.file("nsupdate.txt");
    std::ofstream(script) << "server " << kIp << " " << as_.port << "\nzone " << kZone
                          << "\nupdate delete " << name << " A\nupdate add " << name << " 10 A "
                          << ip << "\nsend\n";
    int status = 0;
    (void)runCommand("nsupdate -t 5 -k " + key_.file + " " + script + " 2>&1", &status);
    return status == 0;
  }

  std::optional<std::uint32_t> asSerial() {
    const DigResult soa = dig(as_, "+short fib.test SOA");
    std::istringstream fields(soa.output);
    std::string mname, rname;
    std::uint32_t serial = 0;
    if (fields >> mname >> rname >> serial) {
      return serial;
    }
    return std::nullopt;
  }

  // Waits until both secondaries answer `name` with `ip`; records how long each took.
  void expectPropagated(const std::string& name, const std::string& ip, const std::string& what) {
    const auto acknowledged = Clock::now();
    for (SecondaryServer* secondary : secondaries()) {
      ASSERT_TRUE(secondary->waitForAddress(name, ip, seconds(5)).has_value())
          << secondary->name() << " never answered " << name << " " << ip << ":\n"
          << secondary->log() << "\nAS:\n"
          << server_->log();
      const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - acknowledged);
      RecordProperty(std::string(secondary->name()) + "_" + what + "_ms",
                     std::to_string(took.count()));
    }
  }

  // One DNS message over TCP from `source`, the parsed reply.
  std::optional<testutil::Response> tcpAsk(const testutil::Bytes& query,
                                           const std::string& source) {
    const Socket socket = connectTcp(kIp, as_.port, source);
    if (!socket.valid()) {
      return std::nullopt;
    }
    const auto reply = tcpDnsRoundTrip(socket, query, seconds(3));
    if (!reply) {
      return std::nullopt;
    }
    return testutil::parseResponse(std::span(reply->data(), reply->size()));
  }

  std::optional<testutil::Response> udpAsk(const testutil::Bytes& query) {
    const std::string reply =
        udpExchange(kIp, as_.port, std::string(query.begin(), query.end()), seconds(2));
    return testutil::parseResponse(
        std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
  }

  TempDir temp_;
  TsigKey key_;
  TsigKey other_key_;
  std::string keyfile_;
  DnsEndpoint as_;
  DnsEndpoint knot_endpoint_;
  DnsEndpoint nsd_endpoint_;
  int as_starts_ = 0;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<SecondaryServer> knot_;
  std::unique_ptr<SecondaryServer> nsd_;
};

TEST_F(AsSecondariesTest, BothTransferWithTsigAndFollowARegistrationAndAnNsupdate) {
  startAs();
  ASSERT_TRUE(registerName("www.fib.test", "10.0.0.2"));
  seedZone();
  startSecondaries();
  expectInSync(seconds(10));
  for (SecondaryServer* secondary : secondaries()) {
    EXPECT_EQ(secondary->digShort("www.fib.test", "A"), "10.0.0.2") << secondary->name();
    EXPECT_EQ(secondary->digShort("fib.test", "NS"), "ns1.fib.test.") << secondary->name();
  }
  // The initial transfers were whole zones, signed with the key and verified by the secondaries.
  EXPECT_NE(knot_->log().find("AXFR, incoming"), std::string::npos) << knot_->log();
  EXPECT_NE(nsd_->log().find("TSIG verified with key xfr"), std::string::npos) << nsd_->log();

  // A lab registration: acknowledged, then NOTIFY and IXFR bring it to both.
  ASSERT_TRUE(registerName("lab.fib.test", "10.0.0.3"));
  expectPropagated("lab.fib.test", "10.0.0.3", "registration");
  // A signed nsupdate the same way.
  ASSERT_TRUE(nsupdate("upd.fib.test", "10.0.0.4")) << server_->log();
  expectPropagated("upd.fib.test", "10.0.0.4", "nsupdate");
  expectInSync(seconds(5));

  EXPECT_EQ(knotTransfers(knot_->log(), "AXFR"), 1U) << knot_->log();
  EXPECT_GE(knotTransfers(knot_->log(), "IXFR"), 2U) << knot_->log();
  expectNsdTookDifferencesFrom(1);
}

TEST_F(AsSecondariesTest, AfterKillNineAndRestartBothCatchUpThroughIxfr) {
  startAs();
  seedZone();
  startSecondaries();
  expectInSync(seconds(10));
  const std::size_t knot_axfrs = knotTransfers(knot_->log(), "AXFR");
  const std::size_t knot_ixfrs = knotTransfers(knot_->log(), "IXFR");
  const std::size_t nsd_transfers = nsdTransferSizes(nsd_->log()).size();

  ASSERT_NE(server_->stop(SIGKILL), -1);
  startAs();
  ASSERT_TRUE(registerName("after.fib.test", "10.0.0.6"));
  expectPropagated("after.fib.test", "10.0.0.6", "after_restart");
  expectInSync(seconds(5));

  // The journal survived kill -9: both asked for the difference and got it.
  EXPECT_EQ(knotTransfers(knot_->log(), "AXFR"), knot_axfrs) << knot_->log();
  EXPECT_GT(knotTransfers(knot_->log(), "IXFR"), knot_ixfrs) << knot_->log();
  EXPECT_GT(nsdTransferSizes(nsd_->log()).size(), nsd_transfers) << nsd_->log();
  expectNsdTookDifferencesFrom(nsd_transfers);
}

TEST_F(AsSecondariesTest, AStoppedSecondaryCatchesUpWhenStartedAgain) {
  startAs();
  seedZone();
  startSecondaries();
  expectInSync(seconds(10));
  const std::size_t nsd_transfers = nsdTransferSizes(nsd_->log()).size();
  knot_->stop();
  nsd_->stop();
  ASSERT_TRUE(registerName("while-down.fib.test", "10.0.0.7"));
  ASSERT_TRUE(registerName("while-down.fib.test", "10.0.0.8"));
  ASSERT_TRUE(registerName("also-down.fib.test", "10.0.0.9"));
  knot_->start();
  nsd_->start();
  expectPropagated("while-down.fib.test", "10.0.0.8", "catch_up");
  expectInSync(seconds(5));
  for (SecondaryServer* secondary : secondaries()) {
    EXPECT_EQ(secondary->digShort("also-down.fib.test", "A"), "10.0.0.9") << secondary->name();
  }
  // Knot kept its copy of the zone (its journal and zone file): it caught up with an IXFR.
  EXPECT_EQ(knotTransfers(knot_->log(), "AXFR"), 1U) << knot_->log();
  EXPECT_GE(knotTransfers(knot_->log(), "IXFR"), 1U) << knot_->log();
  // NSD (database "") writes its zone file only every zonefiles-write seconds, so one stopped
  // this soon after its first transfer starts empty and takes the whole zone again: caught up
  // all the same, and with one more transfer.
  EXPECT_GT(nsdTransferSizes(nsd_->log()).size(), nsd_transfers) << nsd_->log();
}

TEST_F(AsSecondariesTest, TransfersOutsideAllowTransferAreRefused) {
  startAs();
  ASSERT_TRUE(registerName("www.fib.test", "10.0.0.2"));
  const std::string outsider = "-b " + std::string(kOutsider) + " ";

  // dig: allowed from 127.0.0.1 unsigned, and from anywhere with the listed key.
  const DigResult allowed = dig(as_, "-b 127.0.0.1 fib.test AXFR");
  EXPECT_NE(allowed.output.find("www.fib.test."), std::string::npos) << allowed.output;
  const DigResult keyed = dig(as_, outsider + "-k " + key_.file + " fib.test AXFR");
  EXPECT_NE(keyed.output.find("www.fib.test."), std::string::npos) << keyed.output;
  // Another source, unsigned or with a key the AS knows but does not list: refused.
  for (const std::string& args : {outsider + "fib.test AXFR", outsider + "fib.test IXFR=1",
                                  outsider + "-k " + other_key_.file + " fib.test AXFR"}) {
    const DigResult refused = dig(as_, args);
    EXPECT_NE(refused.output.find("Transfer failed"), std::string::npos) << args << refused.output;
    EXPECT_EQ(refused.output.find("www.fib.test."), std::string::npos) << args << refused.output;
  }
  // The rcode itself, from a raw socket on the outsider's address: REFUSED, nothing else.
  for (const testutil::Bytes& query :
       {testutil::buildQuery(kZone, kTypeAxfr), testutil::buildIxfrQuery(kZone, 1)}) {
    const auto reply = tcpAsk(query, kOutsider);
    ASSERT_TRUE(reply.has_value()) << server_->log();
    EXPECT_EQ(reply->rcode, 5);  // REFUSED
    EXPECT_EQ(reply->ancount, 0);
  }
  // Five refusals from one source: one log line (one per source and minute).
  const std::string as_log = server_->log();
  EXPECT_EQ(countOccurrences(as_log, "from " + std::string(kOutsider)), 1U) << as_log;
  EXPECT_NE(as_log.find("refused"), std::string::npos) << as_log;
  // A key with the right name and a wrong secret never verifies: no transfer either.
  std::filesystem::create_directories(temp_.file("forged"));
  const TsigKey forged = makeTsigKey(temp_.file("forged"), "xfr");
  const DigResult forged_axfr = dig(as_, outsider + "-k " + forged.file + " fib.test AXFR");
  EXPECT_EQ(forged_axfr.output.find("www.fib.test."), std::string::npos) << forged_axfr.output;
}

TEST_F(AsSecondariesTest, DigReadsAxfrAndIxfrAsTheRfcsSay) {
  startAs("2");  // --ixfr-history 2: older serials are answered with the whole zone
  ASSERT_TRUE(registerName("a.fib.test", "10.0.1.1"));
  ASSERT_TRUE(registerName("b.fib.test", "10.0.1.2"));
  const std::optional<std::uint32_t> start = asSerial();
  ASSERT_TRUE(start.has_value());
  ASSERT_TRUE(registerName("a.fib.test", "10.0.1.3"));  // start+1: a replacement
  ASSERT_TRUE(registerName("c.fib.test", "10.0.1.4"));  // start+2: an addition
  const std::uint32_t current = *start + 2;
  ASSERT_EQ(asSerial(), current);

  // AXFR (RFC 5936 §2.2): SOA first and last, every record once in between.
  const DigResult axfr = dig(as_, "+nocomments +nocmd +nostats fib.test AXFR");
  const auto axfr_rows = records(axfr.output);
  ASSERT_GE(axfr_rows.size(), 6U) << axfr.output;
  EXPECT_EQ(axfr_rows.front()[3], "SOA") << axfr.output;
  EXPECT_EQ(axfr_rows.back()[3], "SOA") << axfr.output;
  EXPECT_EQ(axfr_rows.front()[6], std::to_string(current)) << axfr.output;
  EXPECT_EQ(countOccurrences(axfr.output, "\tSOA\t"), 2U) << axfr.output;
  EXPECT_TRUE(hasRecord(axfr_rows, "a.fib.test.", "A", "10.0.1.3")) << axfr.output;
  EXPECT_EQ(axfr.output.find("10.0.1.1"), std::string::npos) << axfr.output;

  // IXFR from `start` (RFC 1995 §4): SOA current, then (SOA start, removed a 10.0.1.1,
  // SOA start+1, added a 10.0.1.3), (SOA start+1, SOA start+2, added c), SOA current.
  const DigResult ixfr =
      dig(as_, "+nocomments +nocmd +nostats fib.test IXFR=" + std::to_string(*start));
  const auto rows = records(ixfr.output);
  std::vector<std::string> sequence;  // "SOA n" or "A name address"
  for (const auto& row : rows) {
    sequence.push_back(row[3] == "SOA" ? "SOA " + row[6] : row[3] + " " + row[0] + " " + row[4]);
  }
  const std::vector<std::string> want{"SOA " + std::to_string(current),
                                      "SOA " + std::to_string(*start),
                                      "A a.fib.test. 10.0.1.1",
                                      "SOA " + std::to_string(*start + 1),
                                      "A a.fib.test. 10.0.1.3",
                                      "SOA " + std::to_string(*start + 1),
                                      "SOA " + std::to_string(*start + 2),
                                      "A c.fib.test. 10.0.1.4",
                                      "SOA " + std::to_string(current)};
  EXPECT_EQ(sequence, want) << ixfr.output;

  // From the current serial: the single SOA (RFC 1995 §2).
  const DigResult up_to_date =
      dig(as_, "+nocomments +nocmd +nostats fib.test IXFR=" + std::to_string(current));
  const auto single = records(up_to_date.output);
  ASSERT_EQ(single.size(), 1U) << up_to_date.output;
  EXPECT_EQ(single[0][3], "SOA");
  EXPECT_EQ(single[0][6], std::to_string(current));

  // From a serial the journal (2 changes) no longer has: the whole zone in AXFR form.
  const DigResult pruned =
      dig(as_, "+nocomments +nocmd +nostats fib.test IXFR=" + std::to_string(*start - 1));
  const auto whole = records(pruned.output);
  ASSERT_GE(whole.size(), 6U) << pruned.output;
  EXPECT_EQ(whole.front()[3], "SOA");
  EXPECT_EQ(whole[1][3], "NS") << pruned.output;  // no difference sequence
  EXPECT_EQ(whole.back()[3], "SOA");
  EXPECT_EQ(countOccurrences(pruned.output, "\tSOA\t"), 2U) << pruned.output;
  EXPECT_TRUE(hasRecord(whole, "b.fib.test.", "A", "10.0.1.2")) << pruned.output;

  // Over UDP: the single SOA when up to date, TC when behind; AXFR is NOTIMP.
  const auto udp_current = udpAsk(testutil::buildIxfrQuery(kZone, current));
  ASSERT_TRUE(udp_current.has_value());
  EXPECT_EQ(udp_current->rcode, 0);
  ASSERT_EQ(udp_current->answers.size(), 1U);
  EXPECT_EQ(udp_current->answers[0].type, 6);  // SOA
  const auto udp_behind = udpAsk(testutil::buildIxfrQuery(kZone, *start));
  ASSERT_TRUE(udp_behind.has_value());
  EXPECT_TRUE(udp_behind->tc);
  const auto udp_axfr = udpAsk(testutil::buildQuery(kZone, kTypeAxfr));
  ASSERT_TRUE(udp_axfr.has_value());
  EXPECT_EQ(udp_axfr->rcode, 4);  // NOTIMP

  // An IXFR without the client's SOA in the authority section: FORMERR, over TCP and UDP.
  const testutil::Bytes no_soa = testutil::buildIxfrQuery(kZone, *start, 0x4321, false);
  const auto tcp_formerr = tcpAsk(no_soa, "");
  ASSERT_TRUE(tcp_formerr.has_value()) << server_->log();
  EXPECT_EQ(tcp_formerr->rcode, 1);
  const auto udp_formerr = udpAsk(no_soa);
  ASSERT_TRUE(udp_formerr.has_value());
  EXPECT_EQ(udp_formerr->rcode, 1);
}

// Measurements, not checks (bench/transfer_bench.sh runs them with
// --gtest_also_run_disabled_tests and prints the lines starting "figure").

// Registrations acknowledged -> answered by both secondaries (each polled every 10 ms), over
// `rounds` changes, for `change` on `primary` (true when acknowledged).
std::vector<long long> propagation(
    SecondaryServer& knot, SecondaryServer& nsd, int rounds,
    const std::function<bool(const std::string&, const std::string&)>& change) {
  std::vector<long long> took;
  for (int i = 0; i < rounds; ++i) {
    const std::string name = "p" + std::to_string(i) + ".fib.test";
    const std::string address = "10.9.0." + std::to_string(i + 1);
    if (!change(name, address)) {
      ADD_FAILURE() << "change " << i << " not acknowledged";
      return took;
    }
    const auto acknowledged = Clock::now();
    if (!knot.waitForAddress(name, address, seconds(10)) ||
        !nsd.waitForAddress(name, address, seconds(10))) {
      ADD_FAILURE() << "change " << i << " never reached both:\n" << knot.log() << nsd.log();
      return took;
    }
    took.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - acknowledged).count());
  }
  return took;
}

void printFigures(const std::string& what, std::vector<long long> took) {
  if (took.empty()) {
    return;
  }
  std::sort(took.begin(), took.end());
  std::string all;
  for (const long long ms : took) {
    all += (all.empty() ? "" : " ") + std::to_string(ms);
  }
  std::printf("figure %s: median %lld ms, max %lld ms over %zu (sorted: %s)\n", what.c_str(),
              took[took.size() / 2], took.back(), took.size(), all.c_str());
  std::fflush(stdout);
}

std::optional<int> nsdReloadTimeoutFromEnvironment() {
  const char* value = std::getenv("FIBDNS_BENCH_NSD_RELOAD_TIMEOUT");
  if (value == nullptr || *value == '\0') {
    return 0;
  }
  if (std::string(value) == "default") {
    return std::nullopt;
  }
  return std::atoi(value);
}

TEST_F(AsSecondariesTest, DISABLED_MeasurePropagationBesideKnotAsThePrimary) {
  constexpr int kRounds = 20;
  const std::optional<int> reload = nsdReloadTimeoutFromEnvironment();
  const std::string setting =
      reload ? "nsd xfrd-reload-timeout " + std::to_string(*reload) : "nsd default reload";
  {
    startAs();
    SecondaryConfig knot = secondaryConfig(SecondaryKind::Knot, kZone, knot_endpoint_, as_, key_);
    SecondaryConfig nsd = secondaryConfig(SecondaryKind::Nsd, kZone, nsd_endpoint_, as_, key_);
    nsd.nsd_reload_timeout_s = reload;
    knot_ = std::make_unique<SecondaryServer>(knot, temp_.file("knot"));
    nsd_ = std::make_unique<SecondaryServer>(nsd, temp_.file("nsd"));
    expectInSync(seconds(10));
    printFigures("propagation AS (lab registration), " + setting,
                 propagation(*knot_, *nsd_, kRounds,
                             [&](const std::string& name, const std::string& address) {
                               return registerName(name, address);
                             }));
    nsd_.reset();
    knot_.reset();
    server_.reset();
  }
  const DnsEndpoint primary = freeDnsEndpoint(kIp);
  const DnsEndpoint knot_at = freeDnsEndpoint(kIp);
  const DnsEndpoint nsd_at = freeDnsEndpoint(kIp);
  KnotPrimary knot_primary(kZone, primary, key_, {knot_at, nsd_at}, {"www 10 A 10.0.0.2"},
                           temp_.file("knot-primary"));
  ASSERT_TRUE(knot_primary.waitUntilServing(seconds(10))) << knot_primary.log();
  SecondaryConfig nsd = secondaryConfig(SecondaryKind::Nsd, kZone, nsd_at, primary, key_);
  nsd.nsd_reload_timeout_s = reload;
  SecondaryServer knot(secondaryConfig(SecondaryKind::Knot, kZone, knot_at, primary, key_),
                       temp_.file("knot2"));
  SecondaryServer nsd_server(nsd, temp_.file("nsd2"));
  ASSERT_TRUE(knot.waitForSerial(1, seconds(10))) << knot.log();
  ASSERT_TRUE(nsd_server.waitForSerial(1, seconds(10))) << nsd_server.log();
  printFigures("propagation Knot primary (signed nsupdate), " + setting,
               propagation(knot, nsd_server, kRounds,
                           [&](const std::string& name, const std::string& address) {
                             return knot_primary.nsupdateA(name, address, 10);
                           }));
}

// A Knot secondary loading 100,000 names by AXFR (TSIG-signed) from the AS, beside the same zone
// from a Knot primary: from the secondary's start to it answering the zone's last name.
TEST_F(AsSecondariesTest, DISABLED_MeasureAxfrOf100000NamesToKnot) {
  constexpr int kNames = 100000;
  const auto time_secondary = [&](const DnsEndpoint& primary, const std::string& what) {
    SecondaryServer knot(
        secondaryConfig(SecondaryKind::Knot, kZone, freeDnsEndpoint(kIp), primary, key_),
        temp_.file(what));
    const auto took = knot.waitForAddress("host099999.fib.test", "10.1.134.159", seconds(120));
    ASSERT_TRUE(took.has_value()) << knot.log();
    const std::string transfer_line = knot.lastLogLineWith("AXFR, incoming", "finished");
    std::printf("figure axfr %d names %s: answered after %lld ms; %s\n", kNames, what.c_str(),
                static_cast<long long>(took->count()), transfer_line.c_str());
    std::fflush(stdout);
  };
  // The AS: migrate once, fill the records table by hand (one transaction), start it again.
  startAs();
  server_.reset();
  int status = 0;
  const std::string fill =
      "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < " +
      std::to_string(kNames - 1) +
      ") INSERT INTO records(name, type, value, ttl) SELECT printf('host%06d.fib.test', i), 'A', "
      "printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255), 300 FROM c;";
  (void)runCommand("sqlite3 " + temp_.file("records.db") + " \"" + fill + "\" 2>&1", &status);
  ASSERT_EQ(status, 0);
  startAs();
  time_secondary(as_, "from-as");
  server_.reset();

  std::vector<std::string> lines;
  lines.reserve(kNames);
  for (int i = 0; i < kNames; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "host%06d 300 A 10.%d.%d.%d", i, (i >> 16) & 255,
                  (i >> 8) & 255, i & 255);
    lines.emplace_back(line);
  }
  KnotPrimary knot_primary(kZone, freeDnsEndpoint(kIp), key_, {}, lines,
                           temp_.file("knot-primary"));
  ASSERT_TRUE(knot_primary.waitUntilServing(seconds(60))) << knot_primary.log();
  time_secondary(knot_primary.endpoint(), "from-knot");
}

}  // namespace
}  // namespace fibdns::testing
