#include "fibdns/authority/dns_responder.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::authority {
namespace {

using testutil::buildQuery;
using testutil::Bytes;
using testutil::encodeName;
using testutil::PacketBuilder;
using testutil::QuerySpec;
using testutil::Response;

constexpr std::uint16_t kA = 1, kNs = 2, kSoa = 6, kMx = 15, kTxt = 16, kAaaa = 28, kIxfr = 251,
                        kAxfr = 252, kAny = 255;
constexpr std::uint16_t kCh = 3, kClassAny = 255;
constexpr unsigned kNoError = 0, kFormErr = 1, kNxDomain = 3, kNotImp = 4, kRefused = 5,
                   kBadVers = 16;

ZoneConfig rootZone() { return ZoneConfig{}; }

ZoneConfig twoZones() {
  ZoneConfig config;
  config.apexes = {"example.org", "Fibonacci.com.", "empty.test"};
  return config;
}

Bytes withOpt(QuerySpec spec, std::uint16_t payload = 1232, std::uint8_t version = 0) {
  spec.edns = true;
  spec.edns_payload = payload;
  spec.edns_version = version;
  return buildQuery(spec);
}

QuerySpec spec(std::string name, std::uint16_t qtype, std::uint16_t qclass = 1) {
  QuerySpec s;
  s.name = std::move(name);
  s.qtype = qtype;
  s.qclass = qclass;
  return s;
}

Bytes cut(Bytes bytes, std::size_t n) {
  bytes.resize(bytes.size() - n);
  return bytes;
}

std::string longName(std::size_t labels, char fill) {
  std::string name;
  for (std::size_t i = 0; i < labels; ++i) {
    name += (i == 0 ? "" : ".") + std::string(60, fill);
  }
  return name;
}

class DnsResponderTest : public ::testing::Test {
 protected:
  DnsResponderTest() {
    cache_.put({"fibonacci.com", {{1, 2, 3, 4}}, 300});
    cache_.put({"a.b.example.org", {{5, 6, 7, 8}}, 60});
    cache_.put({"example.org", {{9, 9, 9, 9}}, 120});
    cache_.setSerial(42);
  }

  /// Sends `query` and returns the raw reply, or nullopt when there is none.
  std::optional<Bytes> sendRaw(const Bytes& query, const ZoneConfig& config = rootZone(),
                               Transport transport = Transport::Udp) {
    auto responder = DnsResponder::create(config);
    EXPECT_TRUE(responder.isOk()) << responder.status().message();
    std::vector<std::uint8_t> out(65535);
    const auto size = responder->respond(query, out, transport, cache_);
    if (!size) {
      return std::nullopt;
    }
    EXPECT_LE(*size, out.size());
    out.resize(*size);
    return out;
  }

  /// Sends `query` and decodes the reply with the independent checker (which must accept it).
  std::optional<Response> send(const Bytes& query, const ZoneConfig& config = rootZone(),
                               Transport transport = Transport::Udp) {
    const auto raw = sendRaw(query, config, transport);
    if (!raw) {
      return std::nullopt;
    }
    std::string error;
    auto response = testutil::parseResponse(*raw, &error);
    EXPECT_TRUE(response.has_value()) << "malformed reply: " << error;
    return response;
  }

  RecordCache cache_;
};

// ---------------------------------------------------------------------------------------------
// The table: every step of the reject ladder and every kind of answer.

struct Case {
  std::string test_name;
  Bytes query;
  bool two_zones = false;  // the config with example.org, fibonacci.com and empty.test
  bool want_reply = true;
  unsigned want_rcode = kNoError;  // the full 12-bit RCODE
  bool want_aa = true;
  bool want_question = true;  // question section echoed
  std::vector<std::uint16_t> want_answer_types;
  std::uint16_t want_authority_soa = 0;  // number of SOA records in authority
};

class DnsResponderTable : public DnsResponderTest, public ::testing::WithParamInterface<Case> {};

TEST_P(DnsResponderTable, Answers) {
  const Case& c = GetParam();
  const auto response = send(c.query, c.two_zones ? twoZones() : rootZone());
  ASSERT_EQ(response.has_value(), c.want_reply);
  if (!c.want_reply) {
    return;
  }
  EXPECT_TRUE(response->qr);
  EXPECT_EQ(response->id, 0x1234);
  EXPECT_EQ(response->fullRcode(), c.want_rcode);
  EXPECT_EQ(response->aa, c.want_aa);
  EXPECT_FALSE(response->tc);
  EXPECT_FALSE(response->ra);
  EXPECT_EQ(response->qdcount, c.want_question ? 1 : 0);
  std::vector<std::uint16_t> answer_types;
  for (const auto& record : response->answers) {
    answer_types.push_back(record.type);
  }
  EXPECT_EQ(answer_types, c.want_answer_types);
  ASSERT_EQ(response->authority.size(), c.want_authority_soa);
  for (const auto& record : response->authority) {
    EXPECT_EQ(record.type, kSoa);
  }
}

Bytes header(std::uint16_t flags, std::uint16_t qdcount, std::uint16_t arcount = 0) {
  return PacketBuilder().header(0x1234, flags, qdcount, 0, 0, arcount).bytes();
}

Bytes withQuestionBytes(std::uint16_t flags, std::uint16_t qdcount, const Bytes& rest) {
  Bytes bytes = header(flags, qdcount);
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  return bytes;
}

Bytes longLabelQuery() {
  Bytes name{64};
  name.insert(name.end(), 64, 'a');
  name.push_back(0);
  return PacketBuilder().header(0x1234, 0x0100, 1).raw(name).u16(1).u16(1).bytes();
}

Bytes over255Query() {
  // 5 labels of 60: 306 bytes uncompressed.
  return PacketBuilder().header(0x1234, 0x0100, 1).question(longName(5, 'a'), 1).bytes();
}

Bytes twoOptQuery() {
  return PacketBuilder()
      .header(0x1234, 0, 1, 0, 0, 2)
      .question("fibonacci.com", kA)
      .opt(1232)
      .opt(1232)
      .bytes();
}

Bytes badOptOwnerQuery() {
  return PacketBuilder()
      .header(0x1234, 0, 1, 0, 0, 1)
      .question("fibonacci.com", kA)
      .name("x")
      .u16(41)
      .u16(1232)
      .u32(0)
      .u16(0)
      .bytes();
}

const std::vector<std::uint16_t> kNone{};

INSTANTIATE_TEST_SUITE_P(
    Ladder, DnsResponderTable,
    ::testing::Values(
        Case{"Empty", {}, false, false, kNoError, false, false, kNone},
        Case{"ElevenBytes", cut(header(0, 1), 1), false, false, kNoError, false, false, kNone},
        Case{"HeaderOnlyZeroQuestions", header(0, 0), false, true, kFormErr, false, false, kNone},
        Case{"ResponseDropped", withQuestionBytes(0x8000, 1, {0, 0, 1, 0, 1}), false, false,
             kNoError, false, false, kNone},
        Case{"ResponseDroppedBeforeOpcode",
             withQuestionBytes(0x8000 | (4 << 11), 1, {0, 0, 1, 0, 1}), false, false, kNoError,
             false, false, kNone},
        // The question is echoed when it is well formed (as Knot does).
        Case{"NotifyIsNotImp", withQuestionBytes(4 << 11, 1, {0, 0, 6, 0, 1}), false, true, kNotImp,
             false, true, kNone},
        Case{"StatusIsNotImp", header(2 << 11, 0), false, true, kNotImp, false, false, kNone},
        Case{"NotImpBeforeFormErr", header(1 << 11, 7), false, true, kNotImp, false, false, kNone},
        Case{"TwoQuestions",
             PacketBuilder().header(0x1234, 0, 2).question("a.com", 1).question("b.com", 1).bytes(),
             false, true, kFormErr, false, false, kNone},
        Case{"QuestionCutInClass", cut(buildQuery("fibonacci.com", kA), 1), false, true, kFormErr,
             false, false, kNone},
        Case{"QuestionCutInName", cut(buildQuery("fibonacci.com", kA), 7), false, true, kFormErr,
             false, false, kNone},
        Case{"ForwardPointer", withQuestionBytes(0, 1, {0xC0, 14, 0, 0, 1, 0, 1}), false, true,
             kFormErr, false, false, kNone},
        Case{"PointerToItself", withQuestionBytes(0, 1, {0xC0, 12, 0, 1, 0, 1}), false, true,
             kFormErr, false, false, kNone},
        Case{"PointerLoop", withQuestionBytes(0, 1, {1, 'a', 0xC0, 12, 0, 1, 0, 1}), false, true,
             kFormErr, false, false, kNone},
        Case{"PointerOutOfBounds", withQuestionBytes(0, 1, {0xFF, 0xFF, 0, 1, 0, 1}), false, true,
             kFormErr, false, false, kNone},
        Case{"LabelOver63", longLabelQuery(), false, true, kFormErr, false, false, kNone},
        Case{"NameOver255", over255Query(), false, true, kFormErr, false, false, kNone},
        Case{"OptCut", cut(withOpt(spec("fibonacci.com", kA)), 3), false, true, kFormErr, false,
             false, kNone},
        Case{"OptMissing", header(0, 1, 1), false, true, kFormErr, false, false, kNone},
        Case{"TwoOpts", twoOptQuery(), false, true, kFormErr, false, false, kNone},
        Case{"OptOwnerNotRoot", badOptOwnerQuery(), false, true, kFormErr, false, false, kNone},
        Case{"BadVers", withOpt(spec("fibonacci.com", kA), 1232, 1), false, true, kBadVers, false,
             true, kNone},
        Case{"BadVersBeforeClass", withOpt(spec("fibonacci.com", kA, kCh), 1232, 2), false, true,
             kBadVers, false, true, kNone},
        Case{"ChaosRefused", buildQuery(spec("version.bind", kTxt, kCh)), false, true, kRefused,
             false, true, kNone},
        Case{"ClassAnyRefused", buildQuery(spec("fibonacci.com", kA, kClassAny)), false, true,
             kRefused, false, true, kNone},
        Case{"OutsideZonesRefused", buildQuery("example.net", kA), true, true, kRefused, false,
             true, kNone},
        Case{"OneLabelWithDotOutsideZone",
             withQuestionBytes(
                 0, 1, {11, 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 0, 0, 1, 0, 1}),
             true, true, kRefused, false, true, kNone},
        Case{"AxfrRefused", buildQuery("fibonacci.com", kAxfr), false, true, kRefused, false, true,
             kNone},
        Case{"IxfrRefused", buildQuery("fibonacci.com", kIxfr), false, true, kRefused, false, true,
             kNone}),
    [](const ::testing::TestParamInfo<Case>& p) { return p.param.test_name; });

INSTANTIATE_TEST_SUITE_P(
    AnswerTypes, DnsResponderTable,
    ::testing::Values(
        Case{"ARegistered",
             buildQuery("fibonacci.com", kA),
             false,
             true,
             kNoError,
             true,
             true,
             {kA}},
        Case{
            "AMixedCase", buildQuery("FiBoNaCcI.CoM", kA), false, true, kNoError, true, true, {kA}},
        Case{"ATrailingGarbageIgnored",
             [] {
               Bytes b = buildQuery("fibonacci.com", kA);
               b.insert(b.end(), {1, 2, 3});
               return b;
             }(),
             false,
             true,
             kNoError,
             true,
             true,
             {kA}},
        Case{"AnyRegistered",
             buildQuery("fibonacci.com", kAny),
             false,
             true,
             kNoError,
             true,
             true,
             {kA}},
        Case{"AaaaRegisteredIsNoData", buildQuery("fibonacci.com", kAaaa), false, true, kNoError,
             true, true, kNone, 1},
        Case{"MxRegisteredIsNoData", buildQuery("fibonacci.com", kMx), false, true, kNoError, true,
             true, kNone, 1},
        Case{"SoaBelowApexIsNoData", buildQuery("fibonacci.com", kSoa), false, true, kNoError, true,
             true, kNone, 1},
        Case{"Unregistered", buildQuery("nope.fibonacci.com", kA), false, true, kNxDomain, true,
             true, kNone, 1},
        Case{"UnregisteredAaaa", buildQuery("nope.com", kAaaa), false, true, kNxDomain, true, true,
             kNone, 1},
        Case{"EmptyNonTerminal", buildQuery("b.example.org", kA), false, true, kNoError, true, true,
             kNone, 1},
        Case{"EmptyNonTerminalMixedCase", buildQuery("B.Example.ORG", kAny), false, true, kNoError,
             true, true, kNone, 1},
        Case{"RootSoa", buildQuery("", kSoa), false, true, kNoError, true, true, {kSoa}},
        Case{"RootNs", buildQuery("", kNs), false, true, kNoError, true, true, {kNs}},
        Case{"RootAIsNoData", buildQuery("", kA), false, true, kNoError, true, true, kNone, 1},
        Case{"RootAny", buildQuery("", kAny), false, true, kNoError, true, true, {kSoa, kNs}},
        Case{"ApexSoa", buildQuery("example.org", kSoa), true, true, kNoError, true, true, {kSoa}},
        Case{"ApexNsMixedCase",
             buildQuery("EXAMPLE.org", kNs),
             true,
             true,
             kNoError,
             true,
             true,
             {kNs}},
        Case{"ApexA", buildQuery("example.org", kA), true, true, kNoError, true, true, {kA}},
        Case{"ApexAny",
             buildQuery("example.org", kAny),
             true,
             true,
             kNoError,
             true,
             true,
             {kSoa, kNs, kA}},
        Case{"EmptyApexSoa",
             buildQuery("empty.test", kSoa),
             true,
             true,
             kNoError,
             true,
             true,
             {kSoa}},
        Case{"EmptyApexAIsNoData", buildQuery("empty.test", kA), true, true, kNoError, true, true,
             kNone, 1},
        Case{"InZoneNxDomain", buildQuery("x.empty.test", kA), true, true, kNxDomain, true, true,
             kNone, 1},
        Case{"NsBelowApexIsNoData", buildQuery("a.b.example.org", kNs), true, true, kNoError, true,
             true, kNone, 1},
        Case{"ABelowApex",
             buildQuery("A.B.example.org", kA),
             true,
             true,
             kNoError,
             true,
             true,
             {kA}}),
    [](const ::testing::TestParamInfo<Case>& p) { return p.param.test_name; });

// ---------------------------------------------------------------------------------------------
// Details the table does not show.

TEST_F(DnsResponderTest, AnswerCarriesStoredAddressAndTtl) {
  const auto response = send(buildQuery("fibonacci.com", kA));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->answers.size(), 1u);
  const auto& a = response->answers[0];
  EXPECT_EQ(a.address, "1.2.3.4");
  EXPECT_EQ(a.ttl, 300u);
  EXPECT_EQ(a.rrclass, 1);
  EXPECT_EQ(a.owner_raw, (Bytes{0xC0, 12}));  // compressed into the question
  EXPECT_TRUE(response->additional.empty());
}

TEST_F(DnsResponderTest, HeaderFlags) {
  QuerySpec s = spec("fibonacci.com", kA);
  s.id = 0xABCD;
  s.rd = true;
  s.cd = true;
  auto response = send(buildQuery(s));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->id, 0xABCD);
  EXPECT_TRUE(response->qr);
  EXPECT_EQ(response->opcode, 0);
  EXPECT_TRUE(response->aa);
  EXPECT_TRUE(response->rd);
  EXPECT_TRUE(response->cd);
  EXPECT_FALSE(response->ra);
  EXPECT_FALSE(response->z);
  EXPECT_FALSE(response->ad);
  EXPECT_FALSE(response->tc);

  s.rd = false;
  s.cd = false;
  response = send(buildQuery(s));
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->rd);
  EXPECT_FALSE(response->cd);
}

TEST_F(DnsResponderTest, QueryZBitIsNotCopied) {
  const Bytes query = withQuestionBytes(0x0140, 1, encodeName("fibonacci.com"));
  Bytes full = query;
  full.insert(full.end(), {0, 1, 0, 1});
  const auto response = send(full);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->z);
  EXPECT_TRUE(response->rd);
}

TEST_F(DnsResponderTest, EchoesQuestionByteForByte) {
  const std::string name = "fIbOnAcCi.CoM";
  const auto response = send(buildQuery(name, kA));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->question_raw, encodeName(name));
  EXPECT_EQ(response->qtype, kA);
  EXPECT_EQ(response->qclass, 1);
}

TEST_F(DnsResponderTest, EchoesCompressedQuestionExpanded) {
  // The question's name points into the header: legal (backwards), if odd. Offset 4 holds the
  // QDCOUNT 00 01, so the name is byte 00: the root. The echo must not keep a pointer whose
  // target means something else in the reply.
  const auto response = send(withQuestionBytes(0, 1, {0xC0, 4, 0, kSoa, 0, 1}));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->question_raw, (Bytes{0}));
  EXPECT_EQ(response->fullRcode(), kNoError);
  ASSERT_EQ(response->answers.size(), 1u);
  EXPECT_EQ(response->answers[0].type, kSoa);
}

TEST_F(DnsResponderTest, NegativeAnswerSoa) {
  cache_.setSerial(7);
  const auto response = send(buildQuery("Nope.Example.ORG", kA), twoZones());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->fullRcode(), kNxDomain);
  ASSERT_EQ(response->authority.size(), 1u);
  const auto& soa = response->authority[0];
  EXPECT_EQ(soa.name, "Example.ORG");  // compressed into the question: case of the question
  EXPECT_EQ(soa.owner_raw, (Bytes{0xC0, 12 + 5}));
  EXPECT_EQ(soa.ttl, 60u);  // RFC 2308: min(SOA TTL 3600, MINIMUM 60)
  EXPECT_EQ(soa.target, "ns1.fibdns.invalid");
  EXPECT_EQ(soa.mailbox, "hostmaster.fibdns.invalid");
  EXPECT_EQ(soa.serial, 7u);
  EXPECT_EQ(soa.refresh, 3600u);
  EXPECT_EQ(soa.retry, 600u);
  EXPECT_EQ(soa.expire, 1209600u);
  EXPECT_EQ(soa.minimum, 60u);
}

TEST_F(DnsResponderTest, RootZoneSoaOwnerIsOneByte) {
  const auto response = send(buildQuery("nope.com", kA));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->authority.size(), 1u);
  EXPECT_EQ(response->authority[0].owner_raw, (Bytes{0}));
  EXPECT_EQ(response->authority[0].name, "");
}

TEST_F(DnsResponderTest, ApexSoaAndNsUseConfiguredValues) {
  ZoneConfig config = twoZones();
  config.primary_ns = "NS.Example.org";
  config.hostmaster = "dns-admin.example.net";
  config.soa_ttl = 1800;
  config.ns_ttl = 86400;
  config.refresh = 1;
  config.retry = 2;
  config.expire = 3;
  config.minimum = 4;
  auto response = send(buildQuery("example.org", kSoa), config);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->answers.size(), 1u);
  const auto& soa = response->answers[0];
  EXPECT_EQ(soa.ttl, 1800u);  // the SOA's own TTL in an answer
  EXPECT_EQ(soa.target, "ns.example.org");
  EXPECT_EQ(soa.mailbox, "dns-admin.example.net");
  EXPECT_EQ(soa.serial, 42u);
  EXPECT_EQ(soa.refresh, 1u);
  EXPECT_EQ(soa.retry, 2u);
  EXPECT_EQ(soa.expire, 3u);
  EXPECT_EQ(soa.minimum, 4u);
  // MNAME ns.example.org compresses into the question's example.org.
  EXPECT_LT(soa.rdata.size(),
            encodeName("ns.example.org").size() + encodeName("dns-admin.example.net").size() + 20);

  response = send(buildQuery("example.org", kNs), config);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->answers.size(), 1u);
  EXPECT_EQ(response->answers[0].target, "ns.example.org");
  EXPECT_EQ(response->answers[0].ttl, 86400u);

  response = send(buildQuery("nope.example.org", kA), config);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->authority.size(), 1u);
  EXPECT_EQ(response->authority[0].ttl, 4u);  // min(1800, 4)
}

TEST_F(DnsResponderTest, MostSpecificZoneWins) {
  ZoneConfig config;
  config.apexes = {"", "example.org"};
  const auto response = send(buildQuery("x.example.org", kA), config);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->authority.size(), 1u);
  EXPECT_EQ(response->authority[0].name, "example.org");
}

TEST_F(DnsResponderTest, ChangesAreVisibleAtOnce) {
  auto responder = DnsResponder::create(rootZone());
  ASSERT_TRUE(responder.isOk());
  std::vector<std::uint8_t> out(1232);
  const Bytes query = buildQuery("new.example.com", kA);

  auto size = responder->respond(query, out, Transport::Udp, cache_);
  ASSERT_TRUE(size);
  EXPECT_EQ(testutil::parseResponse({out.data(), *size})->fullRcode(), kNxDomain);

  cache_.put({"new.example.com", {{10, 0, 0, 1}}, 5});
  cache_.setSerial(43);
  size = responder->respond(query, out, Transport::Udp, cache_);
  ASSERT_TRUE(size);
  const auto response = testutil::parseResponse({out.data(), *size});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->answers.size(), 1u);
  EXPECT_EQ(response->answers[0].address, "10.0.0.1");

  const Bytes soa_query = buildQuery("", kSoa);
  size = responder->respond(soa_query, out, Transport::Udp, cache_);
  ASSERT_TRUE(size);
  EXPECT_EQ(testutil::parseResponse({out.data(), *size})->answers.at(0).serial, 43u);
}

// --- EDNS0 ----------------------------------------------------------------------------------

TEST_F(DnsResponderTest, OptInQueryGetsOptInReply) {
  QuerySpec s = spec("fibonacci.com", kA);
  s.edns_do = true;
  s.edns_options = {0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};  // a client cookie
  const auto response = send(withOpt(s, 4096));
  ASSERT_TRUE(response);
  ASSERT_TRUE(response->has_opt);
  EXPECT_EQ(response->opt_payload, 1232);
  EXPECT_EQ(response->opt_version, 0);
  EXPECT_EQ(response->opt_ext_rcode, 0);
  EXPECT_TRUE(response->opt_do);  // RFC 3225 §3: DO is copied
  EXPECT_EQ(response->arcount, 1);
  EXPECT_EQ(response->additional.at(0).rdata.size(), 0u);  // no options echoed
  EXPECT_EQ(response->answers.size(), 1u);

  s.edns_do = false;
  const auto without_do = send(withOpt(s, 4096));
  ASSERT_TRUE(without_do && without_do->has_opt);
  EXPECT_FALSE(without_do->opt_do);
}

TEST_F(DnsResponderTest, FormErrAndNotImpCarryAnOptWhenTheQueryHadAValidOne) {
  const auto two_questions =
      PacketBuilder().header(0x1234, 0, 2, 0, 0, 1).question("a.com", 1).question("b.com", 1)
          .opt(1232, 0, true, {}).bytes();
  auto response = send(two_questions);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->fullRcode(), kFormErr);
  ASSERT_TRUE(response->has_opt);
  EXPECT_TRUE(response->opt_do);

  QuerySpec notify = spec("fibonacci.com", kA);
  notify.opcode = 4;
  response = send(withOpt(notify, 1232));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->fullRcode(), kNotImp);
  EXPECT_TRUE(response->has_opt);
  EXPECT_EQ(response->qdcount, 1);
}

// The caller's FORMERR (a malformed COOKIE option, RFC 7873 §5.2.2) is answered like the
// responder's own: the question and an OPT with DO copied, not a bare header.
TEST_F(DnsResponderTest, CallersFormErrCarriesQuestionAndOpt) {
  auto responder = DnsResponder::create(rootZone());
  ASSERT_TRUE(responder.isOk());
  ResponseExtras extras;
  extras.form_error = true;
  QuerySpec query = spec("fibonacci.com", kA);
  query.edns = true;
  query.edns_do = true;
  std::vector<std::uint8_t> out(1232);
  const auto size = responder->respond(buildQuery(query), out, Transport::Udp, cache_, extras);
  ASSERT_TRUE(size.has_value());
  const auto response = testutil::parseResponse(std::span(out.data(), *size));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->fullRcode(), kFormErr);
  EXPECT_EQ(response->qdcount, 1);
  EXPECT_EQ(response->question_name, "fibonacci.com");
  EXPECT_EQ(response->ancount, 0);
  ASSERT_TRUE(response->has_opt);
  EXPECT_TRUE(response->opt_do);

  // Without EDNS in the query: the question only.
  const auto plain_size =
      responder->respond(buildQuery("fibonacci.com", kA), out, Transport::Udp, cache_, extras);
  ASSERT_TRUE(plain_size.has_value());
  const auto plain = testutil::parseResponse(std::span(out.data(), *plain_size));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->fullRcode(), kFormErr);
  EXPECT_FALSE(plain->has_opt);
}

TEST_F(DnsResponderTest, NsidIsSentWhenAskedForAndConfigured) {
  ZoneConfig config = rootZone();
  config.nsid = "as-1";
  QuerySpec s = spec("fibonacci.com", kA);
  s.edns_options = {0x00, 0x03, 0x00, 0x00};  // NSID, empty (RFC 5001 §2.1)
  auto response = send(withOpt(s, 1232), config);
  ASSERT_TRUE(response && response->has_opt);
  EXPECT_EQ(response->additional.at(0).rdata,
            (Bytes{0x00, 0x03, 0x00, 0x04, 'a', 's', '-', '1'}));
  response = send(withOpt(spec("fibonacci.com", kA), 1232), config);  // not asked: not sent
  ASSERT_TRUE(response && response->has_opt);
  EXPECT_TRUE(response->additional.at(0).rdata.empty());
}

TEST_F(DnsResponderTest, RefusedOutsideOurZonesCarriesExtendedError20) {
  auto response = send(withOpt(spec("elsewhere.net", kA), 1232), twoZones());
  ASSERT_TRUE(response && response->has_opt);
  EXPECT_EQ(response->fullRcode(), kRefused);
  EXPECT_EQ(response->additional.at(0).rdata, (Bytes{0x00, 0x0F, 0x00, 0x02, 0x00, 20}));
}

TEST_F(DnsResponderTest, NoOptWithoutOpt) {
  const auto response = send(buildQuery("fibonacci.com", kA));
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->has_opt);
  EXPECT_EQ(response->arcount, 0);
}

TEST_F(DnsResponderTest, NegativeAnswerWithOpt) {
  const auto response = send(withOpt(spec("nope.com", kA)));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->fullRcode(), kNxDomain);
  EXPECT_EQ(response->authority.size(), 1u);
  EXPECT_TRUE(response->has_opt);
}

TEST_F(DnsResponderTest, BadVersReply) {
  const auto response = send(withOpt(spec("fibonacci.com", kA), 1232, 1));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->rcode, 0);  // low bits
  EXPECT_EQ(response->opt_ext_rcode, 1);
  EXPECT_EQ(response->fullRcode(), kBadVers);
  EXPECT_EQ(response->opt_version, 0);  // the version we do speak
  EXPECT_TRUE(response->answers.empty());
  EXPECT_EQ(response->question_name, "fibonacci.com");
}

TEST_F(DnsResponderTest, FormErrHasNoOpt) {
  const auto response = send(twoOptQuery());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->fullRcode(), kFormErr);
  EXPECT_FALSE(response->has_opt);
  EXPECT_EQ(response->id, 0x1234);
}

// --- Truncation -----------------------------------------------------------------------------

class DnsResponderTruncation : public DnsResponderTest {
 protected:
  // Long SOA names make a negative answer for a long name exceed 512 bytes.
  static ZoneConfig bigSoa() {
    ZoneConfig config;
    config.primary_ns = longName(3, 'n');
    config.hostmaster = longName(3, 'h');
    return config;
  }
  const std::string qname_ = longName(3, 'q') + ".test";
};

TEST_F(DnsResponderTruncation, ClassicUdpOver512IsTruncated) {
  const auto raw = sendRaw(buildQuery(qname_, kA), bigSoa());
  ASSERT_TRUE(raw);
  EXPECT_LE(raw->size(), 512u);
  const auto response = testutil::parseResponse(*raw);
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->tc);
  EXPECT_TRUE(response->aa);
  EXPECT_EQ(response->fullRcode(), kNxDomain);
  EXPECT_EQ(response->qdcount, 1);
  EXPECT_EQ(response->question_raw, encodeName(qname_));
  EXPECT_EQ(response->ancount + response->nscount + response->arcount, 0);
}

TEST_F(DnsResponderTruncation, EdnsPayloadLiftsTheLimit) {
  const auto response = send(withOpt(spec(qname_, kA), 4096), bigSoa());
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->tc);
  EXPECT_GT(response->size, 512u);
  EXPECT_LE(response->size, 1232u);
  EXPECT_EQ(response->authority.size(), 1u);
  EXPECT_TRUE(response->has_opt);
}

TEST_F(DnsResponderTruncation, SmallEdnsPayloadMeans512AndKeepsOpt) {
  const auto raw = sendRaw(withOpt(spec(qname_, kA), 100), bigSoa());
  ASSERT_TRUE(raw);
  EXPECT_LE(raw->size(), 512u);
  const auto response = testutil::parseResponse(*raw);
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->tc);
  EXPECT_TRUE(response->has_opt);
  EXPECT_EQ(response->arcount, 1);
  EXPECT_TRUE(response->authority.empty());
}

TEST_F(DnsResponderTruncation, TcpIsNotTruncated) {
  const auto response = send(buildQuery(qname_, kA), bigSoa(), Transport::Tcp);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->tc);
  EXPECT_GT(response->size, 512u);
  EXPECT_EQ(response->authority.size(), 1u);
}

TEST_F(DnsResponderTruncation, SmallOutputBufferTruncatesOrDeclines) {
  auto responder = DnsResponder::create(rootZone());
  ASSERT_TRUE(responder.isOk());
  const Bytes query = buildQuery("nope.fibonacci.com", kA);
  std::array<std::uint8_t, 40> small{};
  const auto size = responder->respond(query, small, Transport::Tcp, cache_);
  ASSERT_TRUE(size);
  const auto response = testutil::parseResponse({small.data(), *size});
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->tc);

  std::array<std::uint8_t, 11> tiny{};
  EXPECT_FALSE(responder->respond(query, tiny, Transport::Udp, cache_));
  std::array<std::uint8_t, 20> no_room_for_question{};
  EXPECT_FALSE(responder->respond(query, no_room_for_question, Transport::Udp, cache_));
}

// --- Configuration --------------------------------------------------------------------------

TEST(DnsResponderConfig, RejectsBadConfig) {
  RecordCache cache;
  ZoneConfig config;
  config.apexes.clear();
  EXPECT_FALSE(DnsResponder::create(config).isOk());

  config = ZoneConfig{};
  config.apexes = {"-bad.example"};
  EXPECT_FALSE(DnsResponder::create(config).isOk());

  config = ZoneConfig{};
  config.primary_ns = "";
  EXPECT_FALSE(DnsResponder::create(config).isOk());

  config = ZoneConfig{};
  config.hostmaster = "not a name";
  EXPECT_FALSE(DnsResponder::create(config).isOk());

  EXPECT_TRUE(DnsResponder::create(ZoneConfig{}).isOk());
}

}  // namespace
}  // namespace fibdns::authority
