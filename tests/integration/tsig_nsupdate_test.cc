// The issue-9 building blocks against the real tools, before the engine wires them: BIND's
// tsig-keygen writes the key file our parser reads; BIND's nsupdate (bind9-dnsutils) sends a
// signed UPDATE to a socket in this test, which answers the way the engine will (verify the TSIG,
// check the ACL, parse and plan the update, write the reply, sign it) and nsupdate judges the
// reply: it exits 0 only when our TSIG on the reply verifies, and names BADTIME/BADSIG/BADKEY/
// REFUSED otherwise. No fibdns binary runs; the socket is on 127.0.0.6, port 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "fibdns/dns/message.h"
#include "fibdns/security/tsig.h"
#include "fibdns/security/tsig_keyfile.h"
#include "fibdns/security/update_acl.h"
#include "fibdns/update/update_message.h"
#include "fibdns/update/update_plan.h"
#include "integration/support/process.h"

namespace fibdns::testing {
namespace {

const std::string kIp = "127.0.0.6";

class ExampleZone : public update::ZoneView {
 public:
  std::optional<update::ApexRecords> apexAt(const dns::WireName& name) const override {
    if (name.key() != "example.org") {
      return std::nullopt;
    }
    update::ApexRecords apex;
    apex.mname = dns::WireName::fromHostName("ns1.example.org").value();
    apex.ns = {apex.mname};
    return apex;
  }
  std::optional<update::ARecordValue> findA(const dns::WireName&) const override {
    return std::nullopt;
  }
};

class TsigNsupdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int status = 0;
    runCommand("tsig-keygen -a hmac-sha256 itest-key > " + dir_.file("key.conf"), &status);
    ASSERT_EQ(status, 0) << "tsig-keygen (Debian package bind9) is needed";
    runCommand("tsig-keygen -a hmac-sha256 itest-key > " + dir_.file("other-secret.conf"), &status);
    runCommand("tsig-keygen -a hmac-sha512 stranger > " + dir_.file("stranger.conf"), &status);
    auto keys = security::parseTsigKeyring(readFile(dir_.file("key.conf")));
    ASSERT_TRUE(keys.isOk()) << keys.status().message();
    keys_ = std::move(keys).value();

    socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(socket_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, kIp.c_str(), &address.sin_addr);
    ASSERT_EQ(::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  void TearDown() override { ::close(socket_); }

  // Runs nsupdate with `key_file` (none: unsigned) on one add, serves its one request with the
  // server clock `skew` seconds off, and returns nsupdate's exit status; its output in *log.
  int exchange(const std::string& key_file, long skew, std::string* log) {
    const std::string commands = dir_.file("commands.txt");
    std::ofstream(commands) << "server " << kIp << " " << port_ << "\n"
                            << "zone example.org\n"
                            << "prereq nxdomain new.example.org\n"
                            << "update add new.example.org 300 A 192.0.2.7\n"
                            << "send\n";
    std::vector<std::string> args = {"-t", "3"};
    if (!key_file.empty()) {
      args.insert(args.end(), {"-k", key_file});
    }
    args.push_back(commands);
    ChildProcess nsupdate("/usr/bin/nsupdate", args, dir_.file("nsupdate.log"));
    serveOne(skew);
    const int status = nsupdate.wait(std::chrono::seconds(10));
    *log = nsupdate.log();
    return status;
  }

  // What the engine will do with one UPDATE datagram.
  void serveOne(long skew) {
    pollfd ready{socket_, POLLIN, 0};
    ASSERT_EQ(::poll(&ready, 1, 5000), 1) << "nsupdate sent nothing";
    std::vector<std::uint8_t> request(65535);
    sockaddr_in from{};
    socklen_t from_length = sizeof from;
    const ssize_t n = ::recvfrom(socket_, request.data(), request.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    ASSERT_GT(n, 0);
    request.resize(static_cast<std::size_t>(n));
    const std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr) + skew);

    dns::WireReader reader(request);
    dns::Header header;
    ASSERT_TRUE(dns::readHeader(reader, header));
    const auto verdict = security::verifyRequest(request, keys_, now);
    ASSERT_TRUE(verdict.isOk()) << verdict.status().message();
    const security::TsigVerdict* signed_by = verdict->has_value() ? &**verdict : nullptr;
    const auto message = update::parseUpdate(request);
    ASSERT_TRUE(message.isOk()) << message.status().message();

    update::UpdatePlan plan;
    const security::UpdateAcl acl(security::splitAllowUpdateList("itest-key").value().key_names,
                                  nullptr);
    if (signed_by != nullptr && !signed_by->isVerified()) {
      plan.rcode = update::UpdateRcode::NotAuth;
    } else if (plan = update::checkZone(*message, zone_);
               plan.rcode != update::UpdateRcode::NoError) {
    } else if (!acl.isAllowed(signed_by, security::IpAddress{})) {
      plan.rcode = update::UpdateRcode::Refused;
    } else {
      plan = update::planUpdate(*message, zone_);
      planned_ = plan.changes;
    }

    std::vector<std::uint8_t> reply(512);
    dns::WireWriter writer(reply);
    update::writeUpdateReply(writer, header, &*message, plan.rcode);
    if (signed_by != nullptr) {
      ASSERT_TRUE(security::appendResponseTsig(writer, *signed_by, now));
    }
    ASSERT_TRUE(writer.ok());
    ::sendto(socket_, writer.written().data(), writer.written().size(), 0,
             reinterpret_cast<sockaddr*>(&from), from_length);
  }

  TempDir dir_;
  security::TsigKeyring keys_;
  ExampleZone zone_;
  int socket_ = -1;
  unsigned short port_ = 0;
  std::vector<update::RecordChange> planned_;
};

TEST_F(TsigNsupdateTest, SignedUpdateIsPlannedAndNsupdateAcceptsOurSignedReply) {
  std::string log;
  EXPECT_EQ(exchange(dir_.file("key.conf"), 0, &log), 0) << log;
  ASSERT_EQ(planned_.size(), 1u);
  EXPECT_EQ(planned_[0].name, "new.example.org");
  EXPECT_EQ(planned_[0].value, (update::ARecordValue{{192, 0, 2, 7}, 300}));
}

TEST_F(TsigNsupdateTest, ClockSkewGivesASignedBadTime) {
  std::string log;
  EXPECT_NE(exchange(dir_.file("key.conf"), 1000, &log), 0);
  EXPECT_NE(log.find("BADTIME"), std::string::npos) << log;
  EXPECT_EQ(log.find("verify failure"), std::string::npos) << log;  // our MAC on it verified
  EXPECT_TRUE(planned_.empty());
}

TEST_F(TsigNsupdateTest, WrongSecretGivesBadSig) {
  std::string log;
  EXPECT_NE(exchange(dir_.file("other-secret.conf"), 0, &log), 0);
  EXPECT_NE(log.find("NOTAUTH(BADSIG)"), std::string::npos) << log;
  EXPECT_TRUE(planned_.empty());
}

TEST_F(TsigNsupdateTest, UnknownKeyGivesBadKey) {
  std::string log;
  EXPECT_NE(exchange(dir_.file("stranger.conf"), 0, &log), 0);
  EXPECT_NE(log.find("NOTAUTH(BADKEY)"), std::string::npos) << log;
  EXPECT_TRUE(planned_.empty());
}

TEST_F(TsigNsupdateTest, UnsignedUpdateIsRefused) {
  std::string log;
  EXPECT_NE(exchange("", 0, &log), 0);
  EXPECT_NE(log.find("REFUSED"), std::string::npos) << log;
  EXPECT_TRUE(planned_.empty());
}

}  // namespace
}  // namespace fibdns::testing
