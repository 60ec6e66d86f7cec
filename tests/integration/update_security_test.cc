// Issue 9 end to end: the real authoritative-server (each test on its own loopback address,
// 127.0.0.31-39) against the real tools, tsig-keygen, nsupdate and dig (Debian bind9 and
// bind9-dnsutils). Who may write (TSIG, --allow-update, --allow-register, --max-records), what a
// refused write leaves behind (nothing, and one log line), durability of updates (kill -9), and
// abuse resistance (RRL, cookies) plus the EDNS details (NSID, EDE, DO, empty datagrams).
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

#include "integration/support/process.h"
#include "integration/support/sockets.h"
#include "support/dns_packets.h"

namespace fibdns::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kZone[] = "fib.test";
constexpr char kKeyName[] = "upd-key";
constexpr std::uint16_t kTypeTsig = 250;
constexpr std::uint8_t kRcodeRefused = 5;
constexpr std::uint8_t kRcodeNotAuth = 9;
constexpr std::uint16_t kTsigBadSig = 16;
constexpr std::uint16_t kTsigBadKey = 17;
constexpr std::uint16_t kTsigBadTime = 18;

// The secret of the first key in a tsig-keygen file, decoded by OpenSSL (not by fibdns).
testutil::Bytes secretOf(const std::string& key_file) {
  static const std::regex kSecret("secret \"([A-Za-z0-9+/=]+)\"");
  std::smatch match;
  const std::string text = readFile(key_file);
  if (!std::regex_search(text, match, kSecret)) {
    return {};
  }
  const std::string base64 = match[1];
  testutil::Bytes secret(base64.size());
  const int n =
      EVP_DecodeBlock(secret.data(), reinterpret_cast<const unsigned char*>(base64.data()),
                      static_cast<int>(base64.size()));
  if (n < 0) {
    return {};
  }
  secret.resize(static_cast<std::size_t>(n) - countOccurrences(base64, "="));  // DecodeBlock keeps padding
  return secret;
}

// One authoritative-server on `ip` serving fib.test with the key file `key.conf` (made by
// tsig-keygen) and whatever else the test adds; its database and log in a temp dir.
class UpdateSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int status = 0;
    runCommand("tsig-keygen -a hmac-sha256 " + std::string(kKeyName) + " > " + keyFile(), &status);
    ASSERT_EQ(status, 0) << "tsig-keygen (Debian package bind9) is needed";
    // The same name with another secret (BADSIG) and a key the server does not know (BADKEY).
    runCommand("tsig-keygen -a hmac-sha256 " + std::string(kKeyName) + " > " +
                   dir_.file("other-secret.conf"),
               &status);
    ASSERT_EQ(status, 0);
    runCommand("tsig-keygen -a hmac-sha256 stranger > " + dir_.file("stranger.conf"), &status);
    ASSERT_EQ(status, 0);
  }

  std::string keyFile() const { return dir_.file("key.conf"); }

  // Starts the server on `ip` with the standard flags plus `extra`; waits until it answers.
  void start(const std::string& ip, const std::vector<std::string>& extra = {}) {
    ip_ = ip;
    if (port_ == 0) {
      port_ = freeUdpPort(ip);
    }
    std::vector<std::string> args{"--bind",         ip,
                                  "--port",         std::to_string(port_),
                                  "--db",           dir_.file("records.db"),
                                  "--zone",         kZone,
                                  "--tsig-keyfile", keyFile(),
                                  "--allow-update", kKeyName};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ChildProcess>(binaryPath("authoritative-server"), args,
                                             dir_.file("as." + std::to_string(++starts_) + ".log"));
    ASSERT_FALSE(waitForUdpReply(ip_, port_, labQuery("ready.check")).empty()) << server_->log();
  }

  // dig with a bounded wait and one try; its whole output.
  std::string dig(const std::string& args) const {
    return runCommand("dig @" + ip_ + " -p " + std::to_string(port_) + " +time=2 +tries=1 " + args +
                      " 2>&1");
  }
  // The A record's address as dig +short prints it ("" when there is none).
  std::string address(const std::string& name, bool tcp = false) const {
    std::string out = dig(std::string(tcp ? "+tcp " : "") + "+short " + name + " A");
    while (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }
  // The zone's SOA serial as dig reads it; 0 when there is none.
  std::uint32_t serial() const {
    std::istringstream soa(dig(std::string("+short ") + kZone + " SOA"));
    std::string mname, rname;
    std::uint32_t value = 0;
    soa >> mname >> rname >> value;
    return value;
  }

  // Runs nsupdate (-v: over TCP) with `key_file` ("" unsigned) on `commands` (the server and
  // zone lines are added, and "send"); its exit status, its output in *log.
  int nsupdate(const std::string& key_file, const std::string& commands, bool tcp,
               std::string* log) {
    const std::string file = dir_.file("commands.txt");
    std::ofstream(file) << "server " << ip_ << " " << port_ << "\nzone " << kZone << "\n"
                        << commands << "send\n";
    std::string command = "nsupdate -t 4";
    command.append(tcp ? " -v" : "").append(key_file.empty() ? "" : " -k " + key_file);
    int status = 0;
    *log = runCommand(command + " " + file + " 2>&1", &status);
    return status;
  }

  // One hand-built UPDATE (add `name` A `value`) signed as `key_name` with the secret of
  // `key_file` at now + `skew` seconds; the MAC's first byte flipped when `corrupt`. Sent over
  // UDP; the parsed reply.
  std::optional<testutil::Response> signedUpdate(const std::string& key_name,
                                                 const std::string& key_file, bool corrupt,
                                                 const std::string& name, const std::string& value,
                                                 long skew = 0) {
    testutil::UpdateSpec update;
    update.zone = kZone;
    update.updates.push_back({name, 1, 1, 300, testutil::ipv4Rdata(value)});
    const testutil::Bytes message = testutil::buildUpdate(update);
    testutil::TsigSpec tsig;
    tsig.key_name = key_name;
    tsig.secret = secretOf(key_file);
    tsig.time_signed = static_cast<std::uint64_t>(std::time(nullptr) + skew);
    if (corrupt) {
      testutil::Bytes mac = testutil::tsigMac(message, tsig);
      mac[0] ^= 0x01;
      tsig.mac = mac;
    }
    return exchange(testutil::signMessage(message, tsig));
  }

  // Sends `request` in one datagram; the reply parsed (nullopt: none came or it did not parse).
  std::optional<testutil::Response> exchange(const testutil::Bytes& request) const {
    const std::string reply =
        udpExchange(ip_, port_, std::string(request.begin(), request.end()), milliseconds(2000));
    return testutil::parseResponse(
        std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
  }

  TempDir dir_;
  std::string ip_;
  unsigned short port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

// The TSIG record of a reply (the last additional record), decoded.
std::optional<testutil::TsigFields> tsigOf(const testutil::Response& reply) {
  if (reply.additional.empty() || reply.additional.back().type != kTypeTsig) {
    return std::nullopt;
  }
  return testutil::decodeTsig(reply.additional.back());
}

// ---------------------------------------------------------------------------------------------
// nsupdate -k adds and deletes over UDP and TCP; dig sees each change as soon as nsupdate has
// its answer; the serial rises once per UPDATE message, however many records it changes.

TEST_F(UpdateSecurityTest, SignedNsupdateAddsAndDeletesAndDigSeesEachChangeAtOnce) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.31"));
  const std::uint32_t first = serial();
  ASSERT_NE(first, 0U);
  std::string log;

  ASSERT_EQ(nsupdate(keyFile(), "update add a.fib.test 300 A 192.0.2.1\n", false, &log), 0) << log;
  EXPECT_EQ(address("a.fib.test"), "192.0.2.1");
  EXPECT_EQ(serial(), first + 1);

  // Over TCP (nsupdate -v), one message with two adds and a replacement: one serial step.
  ASSERT_EQ(nsupdate(keyFile(),
                     "update add b.fib.test 300 A 192.0.2.2\n"
                     "update add c.fib.test 300 A 192.0.2.3\n"
                     "update add a.fib.test 300 A 192.0.2.11\n",
                     true, &log),
            0)
      << log;
  EXPECT_EQ(address("b.fib.test", true), "192.0.2.2");
  EXPECT_EQ(address("c.fib.test"), "192.0.2.3");
  EXPECT_EQ(address("a.fib.test"), "192.0.2.11");  // latest wins: the add replaced it
  EXPECT_EQ(serial(), first + 2);

  // Deletes: an RRset over UDP, a whole name over TCP.
  ASSERT_EQ(nsupdate(keyFile(), "update delete a.fib.test A\n", false, &log), 0) << log;
  EXPECT_EQ(address("a.fib.test"), "");
  EXPECT_NE(dig("a.fib.test A").find("status: NXDOMAIN"), std::string::npos);
  ASSERT_EQ(nsupdate(keyFile(), "update delete b.fib.test\n", true, &log), 0) << log;
  EXPECT_EQ(address("b.fib.test"), "");
  EXPECT_EQ(address("c.fib.test"), "192.0.2.3");
  EXPECT_EQ(serial(), first + 4);

  // A TSIG-signed query gets a signed answer that dig verifies, over UDP and TCP; so is a
  // REFUSED one.
  for (const char* transport : {"", "+tcp "}) {
    const std::string signed_answer =
        dig("-k " + keyFile() + " " + std::string(transport) + "c.fib.test A");
    EXPECT_NE(signed_answer.find("status: NOERROR"), std::string::npos) << signed_answer;
    EXPECT_NE(signed_answer.find("TSIG\thmac-sha256."), std::string::npos) << signed_answer;
    EXPECT_EQ(signed_answer.find("verify"), std::string::npos) << signed_answer;
    EXPECT_EQ(signed_answer.find("signature"), std::string::npos) << signed_answer;
  }
  const std::string signed_refusal = dig("-k " + keyFile() + " elsewhere.example A");
  EXPECT_NE(signed_refusal.find("status: REFUSED"), std::string::npos) << signed_refusal;
  EXPECT_NE(signed_refusal.find("TSIG\thmac-sha256."), std::string::npos) << signed_refusal;

  // The lab protocol reads the same store.
  EXPECT_EQ(udpExchange(ip_, port_, labQuery("c.fib.test")),
            "TYPE=A\nNAME=c.fib.test\nVALUE=192.0.2.3\nTTL=300\n");
  EXPECT_EQ(udpExchange(ip_, port_, labQuery("a.fib.test")), "NOT FOUND!");
  EXPECT_TRUE(server_->running()) << server_->log();
}

// ---------------------------------------------------------------------------------------------
// Refused writes: unsigned (REFUSED), unknown key (NOTAUTH, BADKEY), wrong secret and a
// corrupted MAC (NOTAUTH, BADSIG). None changes anything; the refusals from one source are
// logged once, not once per datagram.

TEST_F(UpdateSecurityTest, UnsignedRefusedWrongKeyBadkeyCorruptMacBadsigAndLoggedOnce) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.32"));
  const std::uint32_t first = serial();
  std::string log;
  const std::string add = "update add x.fib.test 300 A 192.0.2.9\n";

  EXPECT_NE(nsupdate("", add, false, &log), 0);
  EXPECT_NE(log.find("update failed: REFUSED"), std::string::npos) << log;
  EXPECT_NE(nsupdate("", add, true, &log), 0);
  EXPECT_NE(log.find("update failed: REFUSED"), std::string::npos) << log;
  EXPECT_NE(nsupdate(dir_.file("stranger.conf"), add, false, &log), 0);
  EXPECT_NE(log.find("NOTAUTH(BADKEY)"), std::string::npos) << log;
  EXPECT_NE(nsupdate(dir_.file("other-secret.conf"), add, false, &log), 0);
  EXPECT_NE(log.find("NOTAUTH(BADSIG)"), std::string::npos) << log;

  // The right key, a MAC with one bit flipped: NOTAUTH with BADSIG in the reply's TSIG (which
  // is unsigned, RFC 8945 §5.3.2: MAC empty).
  const auto corrupted = signedUpdate(kKeyName, keyFile(), true, "x.fib.test", "192.0.2.9");
  ASSERT_TRUE(corrupted.has_value()) << server_->log();
  EXPECT_EQ(corrupted->rcode, kRcodeNotAuth);
  const auto badsig = tsigOf(*corrupted);
  ASSERT_TRUE(badsig.has_value());
  EXPECT_EQ(badsig->error, kTsigBadSig);
  EXPECT_TRUE(badsig->mac.empty());
  // A key the server does not have: BADKEY.
  const auto unknown =
      signedUpdate("stranger", dir_.file("stranger.conf"), false, "x.fib.test", "192.0.2.9");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->rcode, kRcodeNotAuth);
  const auto badkey = tsigOf(*unknown);
  ASSERT_TRUE(badkey.has_value());
  EXPECT_EQ(badkey->error, kTsigBadKey);
  // Signed 1,000 s ago (fudge 300): BADTIME, with the server's time in Other Data and the
  // reply signed (RFC 8945 §5.2.3).
  const auto stale = signedUpdate(kKeyName, keyFile(), false, "x.fib.test", "192.0.2.9", -1000);
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(stale->rcode, kRcodeNotAuth);
  const auto badtime = tsigOf(*stale);
  ASSERT_TRUE(badtime.has_value());
  EXPECT_EQ(badtime->error, kTsigBadTime);
  EXPECT_EQ(badtime->other.size(), 6U);
  EXPECT_FALSE(badtime->mac.empty());
  // The same message correctly signed goes through: the test's signing is right.
  const auto good = signedUpdate(kKeyName, keyFile(), false, "y.fib.test", "192.0.2.10");
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->rcode, 0);
  const auto signed_reply = tsigOf(*good);
  ASSERT_TRUE(signed_reply.has_value());
  EXPECT_EQ(signed_reply->error, 0);
  EXPECT_FALSE(signed_reply->mac.empty());

  // Signed but aimed at a zone we do not serve: NOTAUTH; a type other than A: REFUSED.
  const std::string other_zone = dir_.file("other-zone.txt");
  std::ofstream(other_zone) << "server " << ip_ << " " << port_ << "\nzone elsewhere.test\n"
                            << "update add x.elsewhere.test 300 A 192.0.2.9\nsend\n";
  int status = 0;
  log = runCommand("nsupdate -t 4 -k " + keyFile() + " " + other_zone + " 2>&1", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(log.find("update failed: NOTAUTH"), std::string::npos) << log;
  EXPECT_NE(nsupdate(keyFile(), "update add x.fib.test 300 TXT \"not an A\"\n", false, &log), 0);
  EXPECT_NE(log.find("update failed: REFUSED"), std::string::npos) << log;

  EXPECT_EQ(address("x.fib.test"), "");
  EXPECT_EQ(address("y.fib.test"), "192.0.2.10");
  EXPECT_EQ(serial(), first + 1);  // only the good update moved it

  // Twenty more unsigned UPDATE datagrams, each REFUSED: still one log line for this source.
  testutil::UpdateSpec unsigned_update;
  unsigned_update.zone = kZone;
  unsigned_update.updates.push_back({"x.fib.test", 1, 1, 300, testutil::ipv4Rdata("192.0.2.9")});
  for (int i = 0; i < 20; ++i) {
    unsigned_update.id = static_cast<std::uint16_t>(0x900 + i);
    const auto reply = exchange(testutil::buildUpdate(unsigned_update));
    ASSERT_TRUE(reply.has_value()) << "datagram " << i;
    EXPECT_EQ(reply->rcode, kRcodeRefused);
  }
  const std::string server_log = server_->log();
  EXPECT_EQ(countOccurrences(server_log, "refused a DNS UPDATE from 127.0.0.1"), 1U) << server_log;
  EXPECT_EQ(countOccurrences(server_log, "WARN acl:"), 1U) << server_log;
  EXPECT_EQ(address("x.fib.test"), "");
}

// ---------------------------------------------------------------------------------------------
// A failed prerequisite changes nothing, the serial included; the same update with a
// prerequisite that holds goes through.

TEST_F(UpdateSecurityTest, FailedPrerequisiteChangesNothingAndKeepsTheSerial) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.33"));
  std::string log;
  ASSERT_EQ(nsupdate(keyFile(), "update add p.fib.test 300 A 192.0.2.20\n", false, &log), 0) << log;
  const std::uint32_t before = serial();

  // Name must not exist (it does): YXDOMAIN; both updates in the message are dropped.
  EXPECT_NE(nsupdate(keyFile(),
                     "prereq nxdomain p.fib.test\n"
                     "update add q.fib.test 300 A 192.0.2.21\n"
                     "update delete p.fib.test A\n",
                     false, &log),
            0);
  EXPECT_NE(log.find("YXDOMAIN"), std::string::npos) << log;
  // Value-dependent RRset (wrong address): NXRRSET, over TCP.
  EXPECT_NE(nsupdate(keyFile(),
                     "prereq yxrrset p.fib.test A 192.0.2.99\n"
                     "update add q.fib.test 300 A 192.0.2.21\n",
                     true, &log),
            0);
  EXPECT_NE(log.find("NXRRSET"), std::string::npos) << log;
  // Name must exist (it does not): NXDOMAIN.
  EXPECT_NE(nsupdate(keyFile(),
                     "prereq yxdomain nothing.fib.test\n"
                     "update add q.fib.test 300 A 192.0.2.21\n",
                     false, &log),
            0);
  EXPECT_NE(log.find("NXDOMAIN"), std::string::npos) << log;

  EXPECT_EQ(address("q.fib.test"), "");
  EXPECT_EQ(address("p.fib.test"), "192.0.2.20");
  EXPECT_EQ(serial(), before);

  ASSERT_EQ(nsupdate(keyFile(),
                     "prereq yxrrset p.fib.test A 192.0.2.20\n"
                     "update add q.fib.test 300 A 192.0.2.21\n",
                     false, &log),
            0)
      << log;
  EXPECT_EQ(address("q.fib.test"), "192.0.2.21");
  EXPECT_EQ(serial(), before + 1);
}

// ---------------------------------------------------------------------------------------------
// What nsupdate was told is done survives kill -9: acknowledged only once durable.

TEST_F(UpdateSecurityTest, RecordsAddedByNsupdateSurviveKill9) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.34"));
  std::string log;
  ASSERT_EQ(nsupdate(keyFile(), "update add k1.fib.test 300 A 192.0.2.31\n", false, &log), 0)
      << log;
  ASSERT_EQ(nsupdate(keyFile(),
                     "update add k2.fib.test 300 A 192.0.2.32\n"
                     "update add k3.fib.test 300 A 192.0.2.33\n",
                     true, &log),
            0)
      << log;
  ASSERT_EQ(nsupdate(keyFile(), "update delete k3.fib.test\n", false, &log), 0) << log;
  const std::uint32_t acknowledged = serial();

  const int status = server_->stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.34"));

  EXPECT_EQ(address("k1.fib.test"), "192.0.2.31");
  EXPECT_EQ(address("k2.fib.test"), "192.0.2.32");
  EXPECT_EQ(address("k3.fib.test"), "");
  EXPECT_EQ(serial(), acknowledged);
}

// ---------------------------------------------------------------------------------------------
// --max-records 3: the 4th new name fails (lab: "record limit reached"; UPDATE: REFUSED), a
// replacement of an existing name still works, over both protocols.

TEST_F(UpdateSecurityTest, MaxRecordsRefusesANewNameButReplacingWorks) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.35", {"--max-records", "3"}));
  for (int i = 1; i <= 3; ++i) {
    const std::string name = "m" + std::to_string(i) + ".fib.test";
    ASSERT_EQ(udpExchange(ip_, port_, labRegistration(name, "10.35.0." + std::to_string(i), 60)),
              "Registration Succeeded!")
        << name;
  }
  const std::uint32_t full = serial();
  EXPECT_EQ(udpExchange(ip_, port_, labRegistration("m4.fib.test", "10.35.0.4", 60)),
            "Registration Failed!\nrecord limit reached");
  std::string log;
  EXPECT_NE(nsupdate(keyFile(), "update add m5.fib.test 300 A 10.35.0.5\n", false, &log), 0);
  EXPECT_NE(log.find("update failed: REFUSED"), std::string::npos) << log;
  EXPECT_EQ(address("m4.fib.test"), "");
  EXPECT_EQ(address("m5.fib.test"), "");
  EXPECT_EQ(serial(), full);

  EXPECT_EQ(udpExchange(ip_, port_, labRegistration("m1.fib.test", "10.35.1.1", 60)),
            "Registration Succeeded!");
  EXPECT_EQ(address("m1.fib.test"), "10.35.1.1");
  ASSERT_EQ(nsupdate(keyFile(), "update add m2.fib.test 300 A 10.35.1.2\n", true, &log), 0) << log;
  EXPECT_EQ(address("m2.fib.test"), "10.35.1.2");
  // One message that deletes a name and adds another keeps the store at the limit: allowed.
  ASSERT_EQ(nsupdate(keyFile(),
                     "update delete m3.fib.test\n"
                     "update add m6.fib.test 300 A 10.35.0.6\n",
                     false, &log),
            0)
      << log;
  EXPECT_EQ(address("m3.fib.test"), "");
  EXPECT_EQ(address("m6.fib.test"), "10.35.0.6");
  // Deleting one makes room for a new name again.
  ASSERT_EQ(nsupdate(keyFile(), "update delete m6.fib.test\n", false, &log), 0) << log;
  EXPECT_EQ(udpExchange(ip_, port_, labRegistration("m4.fib.test", "10.35.0.4", 60)),
            "Registration Succeeded!");
}

// ---------------------------------------------------------------------------------------------
// --rrl-rate 10 --threads 1: 1,000 queries from one source within a second get about 10 full
// answers (the bucket holds one second's worth, and refills at 10/s while the burst lasts),
// and with --rrl-slip 2 every other limited answer goes out truncated (TC, no records); the
// rest are dropped. A query with a valid server cookie is not limited.

TEST_F(UpdateSecurityTest, RrlGivesAboutRateFullAnswersPlusSlippedTruncatedOnes) {
  constexpr int kRate = 10;
  constexpr int kQueries = 1000;
  constexpr int kBurst = 100;  // sent back to back, then the replies read: no buffer overflows
  ASSERT_NO_FATAL_FAILURE(
      start("127.0.0.36", {"--rrl-rate", std::to_string(kRate), "--threads", "1"}));
  ASSERT_EQ(udpExchange(ip_, port_, labRegistration("rrl.fib.test", "10.36.0.1", 60)),
            "Registration Succeeded!");  // (before the flood: lab replies are limited too)

  const Socket socket = connectedUdp(ip_, port_);
  ASSERT_TRUE(socket.valid());
  int full = 0;
  int truncated = 0;
  int other = 0;
  std::vector<std::uint8_t> buffer(4096);
  const auto drain = [&](milliseconds quiet) {
    pollfd ready{socket.fd(), POLLIN, 0};
    while (::poll(&ready, 1, static_cast<int>(quiet.count())) == 1) {
      const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        continue;
      }
      const auto reply = testutil::parseResponse(std::span(buffer.data(), std::size_t(n)));
      if (reply && reply->tc && reply->ancount == 0) {
        ++truncated;
      } else if (reply && !reply->tc && reply->rcode == 0 && reply->answers.size() == 1 &&
                 reply->answers[0].address == "10.36.0.1") {
        ++full;
      } else {
        ++other;
      }
    }
  };
  const auto start_time = Clock::now();
  for (int sent = 0; sent < kQueries;) {
    for (int i = 0; i < kBurst; ++i, ++sent) {
      const auto query = testutil::buildQuery("rrl.fib.test", 1, static_cast<std::uint16_t>(sent));
      ASSERT_EQ(::send(socket.fd(), query.data(), query.size(), 0),
                static_cast<ssize_t>(query.size()));
    }
    drain(milliseconds(5));
  }
  const auto sending = std::chrono::duration_cast<milliseconds>(Clock::now() - start_time);
  drain(milliseconds(300));
  std::printf("RRL: %d queries in %lld ms: %d full answers, %d truncated (slipped), %d other\n",
              kQueries, static_cast<long long>(sending.count()), full, truncated, other);
  // Only a second's worth when sending took longer than a second (a very busy machine).
  ASSERT_LT(sending, milliseconds(3000)) << "the flood took too long to mean anything";
  // A full bucket (kRate) plus what it refilled while the flood lasted, plus one for rounding.
  const int allowed = kRate + static_cast<int>(kRate * sending.count() / 1000) + 1;
  EXPECT_GE(full, 1);
  EXPECT_LE(full, allowed);
  EXPECT_EQ(other, 0);
  // Every 2nd limited response slips: half of those the server read (it may drop a few
  // datagrams under load, never add any).
  const int limited_at_most = kQueries - full;
  EXPECT_LE(truncated, limited_at_most / 2 + 1);
  EXPECT_GE(truncated, limited_at_most / 4) << "far fewer slipped answers than half the limited";

  // Lab-protocol replies are limited the same way (their own class), and never slipped: a
  // limited lab reply is dropped.
  int lab_replies = 0;
  const auto lab_start = Clock::now();
  for (int i = 0; i < kBurst; ++i) {
    const std::string query = labQuery("rrl.fib.test");
    ASSERT_EQ(::send(socket.fd(), query.data(), query.size(), 0),
              static_cast<ssize_t>(query.size()));
  }
  pollfd lab_ready{socket.fd(), POLLIN, 0};
  while (::poll(&lab_ready, 1, 300) == 1) {
    const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (n > 0 && std::string(reinterpret_cast<const char*>(buffer.data()), std::size_t(n)) ==
                     "TYPE=A\nNAME=rrl.fib.test\nVALUE=10.36.0.1\nTTL=60\n") {
      ++lab_replies;
    }
  }
  const auto lab_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - lab_start).count();
  std::printf("RRL: %d lab queries: %d replies\n", kBurst, lab_replies);
  EXPECT_GE(lab_replies, 1);
  EXPECT_LE(lab_replies, kRate + static_cast<int>(kRate * lab_ms / 1000) + 1);

  // Still limited right after the flood, but a query with a valid server cookie is answered in
  // full every time: get the cookie over TCP (not limited), then ask twenty times over UDP.
  const std::string with_cookie = dig("+tcp +cookie rrl.fib.test A");
  std::smatch cookie;
  ASSERT_TRUE(std::regex_search(with_cookie, cookie, std::regex("; COOKIE: ([0-9a-f]{48})")))
      << with_cookie;
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    if (dig("+cookie=" + cookie[1].str() + " +noall +answer +ignore rrl.fib.test A")
            .find("10.36.0.1") != std::string::npos) {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 20);
  EXPECT_TRUE(server_->running()) << server_->log();
}

// ---------------------------------------------------------------------------------------------
// Cookies, NSID, EDE 20, DO, OPT on NOTIMP, and silence for an empty datagram, as dig shows
// them.

TEST_F(UpdateSecurityTest, CookiesNsidEdeAndDoAsDigShowsThem) {
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.37", {"--nsid", "fibdns-itest"}));
  ASSERT_EQ(udpExchange(ip_, port_, labRegistration("d.fib.test", "10.37.0.1", 60)),
            "Registration Succeeded!");

  // dig +cookie: a server cookie comes back (8 bytes client + 16 server, RFC 9018) ...
  const std::string first = dig("+cookie d.fib.test A");
  std::smatch cookie;
  ASSERT_TRUE(std::regex_search(first, cookie, std::regex("; COOKIE: ([0-9a-f]{48}) \\(good\\)")))
      << first;
  // ... and sent back, dig calls it good and the server answers with a fresh one.
  const std::string second = dig("+cookie=" + cookie[1].str() + " d.fib.test A");
  EXPECT_NE(second.find("status: NOERROR"), std::string::npos) << second;
  EXPECT_NE(second.find("; COOKIE: " + cookie[1].str().substr(0, 16)), std::string::npos) << second;
  EXPECT_NE(second.find("(good)"), std::string::npos) << second;
  // A malformed COOKIE option (client cookie of 5 bytes) is FORMERR with the question and an
  // OPT (DO copied), as for any FORMERR to a query whose OPT is well formed.
  testutil::QuerySpec bad_cookie;
  bad_cookie.name = "d.fib.test";
  bad_cookie.edns = true;
  bad_cookie.edns_options = {0x00, 0x0A, 0x00, 0x05, 1, 2, 3, 4, 5};
  bad_cookie.edns_do = true;
  const auto formerr = exchange(testutil::buildQuery(bad_cookie));
  ASSERT_TRUE(formerr.has_value());
  EXPECT_EQ(formerr->rcode, 1);
  EXPECT_EQ(formerr->question_name, "d.fib.test");
  EXPECT_TRUE(formerr->has_opt);
  EXPECT_TRUE(formerr->opt_do);

  // NSID.
  const std::string nsid = dig("+nsid d.fib.test A");
  EXPECT_NE(nsid.find("; NSID: 66 69 62 64 6e 73 2d 69 74 65 73 74 (\"fibdns-itest\")"),
            std::string::npos)
      << nsid;
  EXPECT_EQ(dig("d.fib.test A").find("NSID"), std::string::npos);  // only when asked

  // Outside our zones: REFUSED with EDE 20; DO copied.
  const std::string outside = dig("+dnssec example.com A");
  EXPECT_NE(outside.find("status: REFUSED"), std::string::npos) << outside;
  EXPECT_NE(outside.find("; EDE: 20 (Not Authoritative)"), std::string::npos) << outside;
  EXPECT_NE(outside.find("; EDNS: version: 0, flags: do;"), std::string::npos) << outside;
  const std::string inside = dig("+dnssec d.fib.test A");
  EXPECT_NE(inside.find("; EDNS: version: 0, flags: do;"), std::string::npos) << inside;
  EXPECT_NE(inside.find("10.37.0.1"), std::string::npos) << inside;
  const std::string without_do = dig("d.fib.test A");
  EXPECT_EQ(without_do.find("flags: do"), std::string::npos) << without_do;

  // NOTIMP (opcode STATUS) still carries an OPT, and DO.
  const std::string notimp = dig("+opcode=status +dnssec d.fib.test A");
  EXPECT_NE(notimp.find("status: NOTIMP"), std::string::npos) << notimp;
  EXPECT_NE(notimp.find("; EDNS: version: 0, flags: do;"), std::string::npos) << notimp;

  // An empty datagram gets no reply; the server is still there.
  EXPECT_EQ(udpExchange(ip_, port_, "", milliseconds(300)), "");
  EXPECT_EQ(udpExchange(ip_, port_, labQuery("d.fib.test")),
            "TYPE=A\nNAME=d.fib.test\nVALUE=10.37.0.1\nTTL=60\n");
}

// ---------------------------------------------------------------------------------------------
// --allow-register: a lab registration from a source outside the list fails, naming the
// address, and changes nothing; from inside it works; queries stay open to everyone.

TEST_F(UpdateSecurityTest, LabRegistrationFromOutsideAllowRegisterFailsAndChangesNothing) {
  const std::string outsider = "127.0.0.38";
  const std::string insider = "127.0.0.39";
  ASSERT_NO_FATAL_FAILURE(start("127.0.0.38", {"--allow-register", insider + "/32"}));
  const Socket from_outside = connectedUdp(ip_, port_, outsider);
  const Socket from_inside = connectedUdp(ip_, port_, insider);
  ASSERT_TRUE(from_outside.valid() && from_inside.valid());
  const std::uint32_t before = serial();

  EXPECT_EQ(udpRoundTrip(from_outside, labRegistration("acl.fib.test", "10.38.0.1", 60),
                         milliseconds(2000)),
            "Registration Failed!\nnot allowed from " + outsider);
  EXPECT_EQ(address("acl.fib.test"), "");
  EXPECT_EQ(serial(), before);
  EXPECT_EQ(udpRoundTrip(from_inside, labRegistration("acl.fib.test", "10.38.0.2", 60),
                         milliseconds(2000)),
            "Registration Succeeded!");
  EXPECT_EQ(udpRoundTrip(from_outside, labQuery("acl.fib.test"), milliseconds(2000)),
            "TYPE=A\nNAME=acl.fib.test\nVALUE=10.38.0.2\nTTL=60\n");
  EXPECT_EQ(countOccurrences(server_->log(), "refused a lab registration from " + outsider), 1U)
      << server_->log();
}

}  // namespace
}  // namespace fibdns::testing
