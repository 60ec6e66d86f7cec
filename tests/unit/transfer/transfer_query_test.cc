#include "fibdns/transfer/transfer_query.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/dns_packets.h"

namespace fibdns::transfer {
namespace {

using testutil::Bytes;
using testutil::PacketBuilder;

constexpr std::uint16_t kAxfr = 252;
constexpr std::uint16_t kIxfr = 251;

TEST(ParseTransferQuery, ReadsAnAxfrQuery) {
  const Bytes query = testutil::buildQuery("Fib.Test", kAxfr, 0xBEEF);
  const auto parsed = parseTransferQuery(query);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->header.id, 0xBEEF);
  EXPECT_EQ(parsed->question.qtype, kAxfr);
  EXPECT_EQ(parsed->question.name.key(), "fib.test");
  EXPECT_TRUE(parsed->records_well_formed);
  EXPECT_FALSE(parsed->client_serial.has_value());
  EXPECT_FALSE(parsed->isIxfr());
  EXPECT_FALSE(parsed->edns);
}

TEST(ParseTransferQuery, ReadsTheClientSerialOfAnIxfr) {
  const auto parsed = parseTransferQuery(testutil::buildIxfrQuery("fib.test", 4000000000U));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->isIxfr());
  EXPECT_TRUE(parsed->records_well_formed);
  EXPECT_EQ(parsed->client_serial, 4000000000U);
}

TEST(ParseTransferQuery, ClientSoaOwnerMatchesIgnoringCase) {
  PacketBuilder builder;
  builder.header(1, 0, 1, 0, 1, 0).question("fib.test", kIxfr);
  builder.raw(testutil::soaRecord("FIB.test", 0, "a", "b", 77));
  const auto parsed = parseTransferQuery(builder.bytes());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->client_serial, 77U);
}

TEST(ParseTransferQuery, ReadsCompressedNamesInTheClientSoa) {
  // Owner and MNAME point back at the question name (offset 12), as real clients compress.
  PacketBuilder builder;
  builder.header(1, 0, 1, 0, 1, 0).question("fib.test", kIxfr);
  Bytes rdata{0xC0, 12, 0xC0, 12};  // MNAME, RNAME: pointers to "fib.test"
  for (const std::uint32_t field : {55U, 1U, 2U, 3U, 4U}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      rdata.push_back(static_cast<std::uint8_t>(field >> shift));
    }
  }
  builder.u8(0xC0).u8(12).u16(6).u16(1).u32(0).u16(static_cast<std::uint16_t>(rdata.size()));
  builder.raw(rdata);
  const auto parsed = parseTransferQuery(builder.bytes());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->records_well_formed);
  EXPECT_EQ(parsed->client_serial, 55U);
}

TEST(ParseTransferQuery, IxfrWithoutSoaHasNoClientSerial) {
  const auto parsed = parseTransferQuery(testutil::buildIxfrQuery("fib.test", 5, 1, false));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->records_well_formed);
  EXPECT_FALSE(parsed->client_serial.has_value());
}

TEST(ParseTransferQuery, SoaOfAnotherZoneIsNotTheClientSerial) {
  PacketBuilder builder;
  builder.header(1, 0, 1, 0, 1, 0).question("fib.test", kIxfr);
  builder.raw(testutil::soaRecord("other.test", 0, "a", "b", 77));
  const auto parsed = parseTransferQuery(builder.bytes());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->client_serial.has_value());
}

TEST(ParseTransferQuery, SoaRdataOfTheWrongLengthIsMalformed) {
  Bytes soa = testutil::soaRecord("fib.test", 0, "a", "b", 77);
  // Claim one byte more RDATA than the SOA holds and supply it.
  const std::size_t rdlength_at = testutil::encodeName("fib.test").size() + 8;
  soa[rdlength_at + 1] = static_cast<std::uint8_t>(soa[rdlength_at + 1] + 1);
  soa.push_back(0);
  PacketBuilder builder;
  builder.header(1, 0, 1, 0, 1, 0).question("fib.test", kIxfr).raw(soa);
  const auto parsed = parseTransferQuery(builder.bytes());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->records_well_formed);
  EXPECT_FALSE(parsed->client_serial.has_value());
}

TEST(ParseTransferQuery, CutShortAuthorityIsMalformed) {
  Bytes query = testutil::buildIxfrQuery("fib.test", 5);
  query.resize(query.size() - 3);
  const auto parsed = parseTransferQuery(query);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->records_well_formed);
}

TEST(ParseTransferQuery, NotesEdns) {
  testutil::QuerySpec spec;
  spec.name = "fib.test";
  spec.qtype = kAxfr;
  spec.edns = true;
  const auto parsed = parseTransferQuery(testutil::buildQuery(spec));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->edns);
  EXPECT_TRUE(parsed->records_well_formed);
}

TEST(ParseTransferQuery, LeavesOtherQueriesToTheResponder) {
  EXPECT_FALSE(parseTransferQuery(testutil::buildQuery("fib.test", 1)).has_value());  // A
  EXPECT_FALSE(parseTransferQuery(Bytes{0, 1, 2}).has_value());                       // short
  PacketBuilder response;
  response.header(1, 0x8000, 1).question("fib.test", kAxfr);
  EXPECT_FALSE(parseTransferQuery(response.bytes()).has_value());  // QR set
  PacketBuilder notify;
  notify.header(1, 4 << 11, 1).question("fib.test", kAxfr);
  EXPECT_FALSE(parseTransferQuery(notify.bytes()).has_value());  // opcode NOTIFY
  PacketBuilder two;
  two.header(1, 0, 2).question("fib.test", kAxfr).question("fib.test", kAxfr);
  EXPECT_FALSE(parseTransferQuery(two.bytes()).has_value());  // QDCOUNT 2
  PacketBuilder cut;
  cut.header(1, 0, 1).name("fib.test").u16(kAxfr);
  EXPECT_FALSE(parseTransferQuery(cut.bytes()).has_value());  // question cut short
}

// planTransfer: the ladder, one rung per case.
struct PlanCase {
  const char* name;
  Bytes query;
  Transport transport;
  std::optional<std::uint32_t> zone_serial;
  TransferAnswer want_answer;
  std::uint8_t want_rcode;
};

class PlanTransferTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(PlanTransferTest, Decides) {
  const PlanCase& c = GetParam();
  const auto parsed = parseTransferQuery(c.query);
  ASSERT_TRUE(parsed.has_value());
  const TransferPlan plan = planTransfer(*parsed, c.transport, c.zone_serial);
  EXPECT_EQ(plan.answer, c.want_answer);
  EXPECT_EQ(plan.rcode, c.want_rcode);
}

Bytes axfrInClass(std::uint16_t qclass) {
  testutil::QuerySpec spec;
  spec.name = "fib.test";
  spec.qtype = kAxfr;
  spec.qclass = qclass;
  return testutil::buildQuery(spec);
}

Bytes malformedIxfr() {
  Bytes query = testutil::buildIxfrQuery("fib.test", 5);
  query.resize(query.size() - 3);
  return query;
}

INSTANTIATE_TEST_SUITE_P(
    Ladder, PlanTransferTest,
    ::testing::Values(
        PlanCase{"MalformedRecordIsFormErr", malformedIxfr(), Transport::Tcp, 10,
                 TransferAnswer::Reject, 1},
        PlanCase{"IxfrWithoutSoaIsFormErr", testutil::buildIxfrQuery("fib.test", 5, 1, false),
                 Transport::Tcp, 10, TransferAnswer::Reject, 1},
        PlanCase{"ChaosClassIsRefused", axfrInClass(3), Transport::Tcp, 10, TransferAnswer::Reject,
                 5},
        PlanCase{"AxfrOverUdpIsNotImp", testutil::buildQuery("fib.test", kAxfr), Transport::Udp, 10,
                 TransferAnswer::Reject, 4},
        PlanCase{"AxfrOfNonApexIsNotAuth", testutil::buildQuery("www.fib.test", kAxfr),
                 Transport::Tcp, std::nullopt, TransferAnswer::Reject, kRcodeNotAuth},
        PlanCase{"IxfrOfNonApexIsNotAuth", testutil::buildIxfrQuery("www.fib.test", 5),
                 Transport::Tcp, std::nullopt, TransferAnswer::Reject, kRcodeNotAuth},
        PlanCase{"AxfrOverTcpIsFullZone", testutil::buildQuery("fib.test", kAxfr), Transport::Tcp,
                 10, TransferAnswer::FullZone, 0},
        PlanCase{"IxfrUpToDateOverTcpIsSingleSoa", testutil::buildIxfrQuery("fib.test", 10),
                 Transport::Tcp, 10, TransferAnswer::SingleSoa, 0},
        PlanCase{"IxfrUpToDateOverUdpIsSingleSoa", testutil::buildIxfrQuery("fib.test", 10),
                 Transport::Udp, 10, TransferAnswer::SingleSoa, 0},
        PlanCase{"IxfrFromTheFutureIsSingleSoa", testutil::buildIxfrQuery("fib.test", 11),
                 Transport::Tcp, 10, TransferAnswer::SingleSoa, 0},
        PlanCase{"IxfrBehindOverUdpIsTruncated", testutil::buildIxfrQuery("fib.test", 9),
                 Transport::Udp, 10, TransferAnswer::Truncated, 0},
        PlanCase{"IxfrBehindOverTcpIsIncremental", testutil::buildIxfrQuery("fib.test", 9),
                 Transport::Tcp, 10, TransferAnswer::Incremental, 0},
        PlanCase{"IxfrBehindAcrossTheWrapIsIncremental",
                 testutil::buildIxfrQuery("fib.test", 4294967290U), Transport::Tcp, 3,
                 TransferAnswer::Incremental, 0},
        PlanCase{"IxfrHalfTheSpaceAwayIsFullZone",
                 testutil::buildIxfrQuery("fib.test", 10U + 0x80000000U), Transport::Tcp, 10,
                 TransferAnswer::FullZone, 0}),
    [](const ::testing::TestParamInfo<PlanCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(TransferPlan, WithoutJournalFallsBackToTheWholeZone) {
  const TransferPlan incremental{TransferAnswer::Incremental, 0};
  EXPECT_TRUE(incremental.needsJournal());
  EXPECT_FALSE(incremental.needsZoneRecords());
  const TransferPlan fallback = incremental.withoutJournal();
  EXPECT_EQ(fallback.answer, TransferAnswer::FullZone);
  EXPECT_TRUE(fallback.needsZoneRecords());
  const TransferPlan soa{TransferAnswer::SingleSoa, 0};
  EXPECT_EQ(soa.withoutJournal().answer, TransferAnswer::SingleSoa);
}

}  // namespace
}  // namespace fibdns::transfer
