// The secondary harness proves itself against Knot as the primary (the configuration of
// ../shared/notes/secondaries.md): Knot and NSD secondaries transfer the zone with TSIG and follow
// a signed nsupdate through NOTIFY and IXFR. When the AS serves AXFR, the same harness points at
// the AS instead of KnotPrimary.
#include "integration/support/secondaries.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace fibdns::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SecondaryHarnessTest : public ::testing::Test {
 protected:
  static constexpr const char* kIp = "127.0.0.66";
  static constexpr const char* kZone = "fib.test";

  void SetUp() override {
    key_ = makeTsigKey(temp_.path());
    const TsigKey reread = readTsigKey(key_.file);  // the file nsupdate -k and the AS read
    ASSERT_EQ(reread.name, "xfr");
    ASSERT_EQ(reread.algorithm, "hmac-sha256");
    ASSERT_EQ(reread.secret, key_.secret);
    const DnsEndpoint primary = freeDnsEndpoint(kIp);
    const DnsEndpoint knot = freeDnsEndpoint(kIp);
    const DnsEndpoint nsd = freeDnsEndpoint(kIp);
    primary_ = std::make_unique<KnotPrimary>(
        kZone, primary, key_, std::vector<DnsEndpoint>{knot, nsd},
        std::vector<std::string>{"www 10 A 10.0.0.2"}, temp_.file("primary"));
    ASSERT_TRUE(primary_->waitUntilServing(seconds(10))) << primary_->log();
    knot_ = std::make_unique<SecondaryServer>(
        secondaryConfig(SecondaryKind::Knot, kZone, knot, primary, key_), temp_.file("knot"));
    nsd_ = std::make_unique<SecondaryServer>(
        secondaryConfig(SecondaryKind::Nsd, kZone, nsd, primary, key_), temp_.file("nsd"));
  }

  void TearDown() override {
    // Reverse order of construction; each stop is bounded (SIGTERM, then SIGKILL after 5 s).
    nsd_.reset();
    knot_.reset();
    primary_.reset();
  }

  TempDir temp_;
  TsigKey key_;
  std::unique_ptr<KnotPrimary> primary_;
  std::unique_ptr<SecondaryServer> knot_;
  std::unique_ptr<SecondaryServer> nsd_;
};

TEST_F(SecondaryHarnessTest, KnotAndNsdTransferWithTsigAndFollowAnUpdate) {
  // Initial AXFR, signed: both secondaries serve the zone at serial 1.
  for (SecondaryServer* secondary : {knot_.get(), nsd_.get()}) {
    ASSERT_TRUE(secondary->waitForSerial(1, seconds(10)))
        << secondary->name() << " never got the zone:\n"
        << secondary->log() << "\nprimary:\n"
        << primary_->log();
    EXPECT_EQ(secondary->digShort("www.fib.test", "A"), "10.0.0.2") << secondary->name();
  }
  // The primary accepts transfers only with the key, so the secondaries used it.
  const DigResult unsigned_axfr = dig(primary_->endpoint(), "fib.test AXFR");
  EXPECT_NE(unsigned_axfr.output.find("Transfer failed"), std::string::npos)
      << unsigned_axfr.output;
  const DigResult signed_axfr = dig(primary_->endpoint(), "-k " + key_.file + " fib.test AXFR");
  EXPECT_NE(signed_axfr.output.find("www.fib.test."), std::string::npos) << signed_axfr.output;
  EXPECT_NE(nsd_->log().find("TSIG verified with key xfr"), std::string::npos) << nsd_->log();
  EXPECT_NE(knot_->log().find("AXFR, incoming"), std::string::npos) << knot_->log();

  // A signed update on the primary reaches both secondaries through NOTIFY + IXFR.
  ASSERT_TRUE(primary_->nsupdateA("new.fib.test", "10.0.0.9", 10)) << primary_->log();
  const auto acknowledged = std::chrono::steady_clock::now();
  for (SecondaryServer* secondary : {knot_.get(), nsd_.get()}) {
    const auto took = secondary->waitForAddress("new.fib.test", "10.0.0.9", seconds(10));
    ASSERT_TRUE(took.has_value()) << secondary->name() << " never saw the update:\n"
                                  << secondary->log();
    // From the acknowledged update to this secondary answering (a figure, not an assertion).
    const auto since_ack =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - acknowledged);
    RecordProperty(std::string(secondary->name()) + "_propagation_ms",
                   std::to_string(since_ack.count()));
    EXPECT_EQ(secondary->serial(), 2U) << secondary->name();
  }
  EXPECT_NE(knot_->log().find("IXFR, incoming"), std::string::npos) << knot_->log();
  EXPECT_NE(nsd_->log().find("received update to serial 2"), std::string::npos) << nsd_->log();
}

}  // namespace
}  // namespace fibdns::testing
