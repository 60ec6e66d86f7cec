#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fibdns/update/update_message.h"
#include "fibdns/update/update_plan.h"
#include "support/dns_packets.h"

namespace fibdns::update {
namespace {

using testutil::buildUpdate;
using testutil::Bytes;
using testutil::ipv4Rdata;
using testutil::RecordSpec;
using testutil::UpdateSpec;

constexpr std::uint16_t kA = 1, kNs = 2, kSoa = 6, kAaaa = 28, kAxfr = 252, kAny = 255;
constexpr std::uint16_t kIn = 1, kCh = 3, kNone = 254, kClassAny = 255;

dns::WireName wireName(const std::string& text) {
  return dns::WireName::fromHostName(text).value();
}

// A zone view over plain maps: example.org (A at the apex too) and the zone sub.example.org
// served below it. b.example.org is an empty non-terminal (a.b.example.org has a record).
class FakeZones : public ZoneView {
 public:
  FakeZones() {
    ApexRecords apex;
    apex.mname = wireName("ns1.example.org");
    apex.rname = wireName("hostmaster.example.org");
    apex.serial = 7;
    apex.refresh = 3600;
    apex.retry = 600;
    apex.expire = 86400;
    apex.minimum = 60;
    apex.ns = {wireName("ns1.example.org"), wireName("ns2.example.org")};
    apexes_["example.org"] = apex;
    apexes_["sub.example.org"] = apex;
    records_["example.org"] = {{10, 0, 0, 9}, 60};
    records_["www.example.org"] = {{10, 0, 0, 1}, 300};
    records_["a.b.example.org"] = {{10, 0, 0, 2}, 300};
  }
  std::optional<ApexRecords> apexAt(const dns::WireName& name) const override {
    const auto it = apexes_.find(std::string(name.key()));
    return it == apexes_.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<ARecordValue> findA(const dns::WireName& name) const override {
    const auto it = records_.find(std::string(name.key()));
    return it == records_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  std::map<std::string, ApexRecords> apexes_;
  std::map<std::string, ARecordValue> records_;
};

Bytes nameRdata(const std::string& name) { return testutil::encodeName(name); }

Bytes soaRdata(std::uint32_t serial) {
  Bytes out = nameRdata("NS1.example.org");
  const Bytes rname = nameRdata("hostmaster.example.org");
  out.insert(out.end(), rname.begin(), rname.end());
  for (const std::uint32_t v : {serial, 3600u, 600u, 86400u, 60u}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xFF));
    }
  }
  return out;
}

UpdateMessage parsed(const UpdateSpec& spec) {
  auto message = parseUpdate(buildUpdate(spec));
  EXPECT_TRUE(message.isOk()) << message.status().message();
  return message.isOk() ? std::move(message).value() : UpdateMessage{};
}

// ---- parsing ----

TEST(ParseUpdate, ReadsEverySection) {
  UpdateSpec spec;
  spec.prerequisites = {{"www.example.org", kA, kClassAny, 0, {}}};
  spec.updates = {{"New.Example.Org", kA, kIn, 300, ipv4Rdata("192.0.2.1")},
                  {"ns.example.org", kNs, kIn, 300, nameRdata("Host.Example.org")}};
  spec.additional = {{"key.example", 250, kClassAny, 0, Bytes(10, 0)}};
  const UpdateMessage message = parsed(spec);
  EXPECT_EQ(message.header.id, 0x2136);
  EXPECT_EQ(message.zone.key(), "example.org");
  EXPECT_EQ(message.zone_type, kSoa);
  EXPECT_EQ(message.zone_class, kIn);
  ASSERT_EQ(message.prerequisites.size(), 1u);
  ASSERT_EQ(message.updates.size(), 2u);
  EXPECT_EQ(message.updates[0].name.key(), "new.example.org");
  EXPECT_EQ(message.updates[0].ttl, 300u);
  EXPECT_EQ(message.updates[0].rdata, ipv4Rdata("192.0.2.1"));
  EXPECT_EQ(message.updates[1].rdata, nameRdata("host.example.org"));  // canonical: lower case
}

TEST(ParseUpdate, CompressedNameInRdataIsExpanded) {
  UpdateSpec spec;
  Bytes bytes = buildUpdate(spec);
  // One update: ns.example.org NS -> pointer to the zone name at offset 12.
  bytes[9] = 1;  // UPCOUNT
  const Bytes rr = testutil::PacketBuilder()
                       .name("ns.example.org")
                       .u16(kNs)
                       .u16(kIn)
                       .u32(60)
                       .u16(6)
                       .u8(3)
                       .u8('N')
                       .u8('S')
                       .u8('2')
                       .u8(0xC0)
                       .u8(12)
                       .bytes();
  bytes.insert(bytes.end(), rr.begin(), rr.end());
  const auto message = parseUpdate(bytes);
  ASSERT_TRUE(message.isOk()) << message.status().message();
  EXPECT_EQ(message->updates[0].rdata, nameRdata("ns2.example.org"));
}

TEST(ParseUpdate, MalformedMessagesAreFormErr) {
  struct Case {
    const char* name;
    Bytes bytes;
  };
  UpdateSpec two_zones;
  Bytes zocount2 = buildUpdate(two_zones);
  zocount2[5] = 2;
  UpdateSpec zone_type_a;
  zone_type_a.zone_type = kA;
  UpdateSpec short_a;
  short_a.updates = {{"x.example.org", kA, kIn, 60, {1, 2, 3}}};
  UpdateSpec short_a_none;
  short_a_none.updates = {{"x.example.org", kA, kNone, 0, {1, 2, 3, 4, 5}}};
  UpdateSpec bad_ns;
  bad_ns.prerequisites = {{"example.org", kNs, kIn, 0, {3, 'a', 'b'}}};
  UpdateSpec bad_soa;
  bad_soa.prerequisites = {{"example.org", kSoa, kIn, 0, nameRdata("a.b")}};
  UpdateSpec ok;
  ok.updates = {{"x.example.org", kA, kIn, 60, ipv4Rdata("1.2.3.4")}};
  Bytes cut = buildUpdate(ok);
  cut.pop_back();
  Bytes zocount0 = buildUpdate(ok);
  zocount0[5] = 0;
  const Case cases[] = {
      {"header only", Bytes(11, 0)},
      {"ZOCOUNT 2", zocount2},
      {"ZOCOUNT 0", zocount0},
      {"zone type A", buildUpdate(zone_type_a)},
      {"A RDATA 3 bytes", buildUpdate(short_a)},
      {"A RDATA 5 bytes, class NONE", buildUpdate(short_a_none)},
      {"NS RDATA cut", buildUpdate(bad_ns)},
      {"SOA RDATA without the numbers", buildUpdate(bad_soa)},
      {"update RR cut", cut},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(parseUpdate(c.bytes).status().code(), StatusCode::InvalidArgument);
  }
}

TEST(WriteUpdateReply, EchoesTheZoneWithTheRcode) {
  UpdateSpec spec;
  spec.zone = "Example.ORG";
  const UpdateMessage message = parsed(spec);
  std::vector<std::uint8_t> buffer(512);
  dns::WireWriter writer(buffer);
  writeUpdateReply(writer, message.header, &message, UpdateRcode::NxRrset);
  ASSERT_TRUE(writer.ok());
  const auto reply = testutil::parseResponse(writer.written());
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->id, 0x2136);
  EXPECT_TRUE(reply->qr);
  EXPECT_EQ(reply->opcode, 5);
  EXPECT_EQ(reply->rcode, 8);
  EXPECT_EQ(reply->question_name, "Example.ORG");
  EXPECT_EQ(reply->qtype, kSoa);
  EXPECT_EQ(reply->ancount + reply->nscount + reply->arcount, 0);

  dns::WireWriter formerr(buffer);
  writeUpdateReply(formerr, message.header, nullptr, UpdateRcode::FormErr);
  const auto bare = testutil::parseResponse(formerr.written());
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->qdcount, 0);
  EXPECT_EQ(bare->rcode, 1);
}

// ---- zone section ----

TEST(CheckZone, NotAuthForZonesWeDoNotServe) {
  FakeZones zones;
  struct Case {
    std::string zone;
    std::uint16_t zone_class;
    UpdateRcode want;
  };
  for (const Case& c : {Case{"example.org", kIn, UpdateRcode::NoError},
                        Case{"EXAMPLE.org.", kIn, UpdateRcode::NoError},
                        Case{"sub.example.org", kIn, UpdateRcode::NoError},
                        Case{"example.com", kIn, UpdateRcode::NotAuth},
                        Case{"www.example.org", kIn, UpdateRcode::NotAuth},
                        Case{"example.org", kCh, UpdateRcode::NotAuth}}) {
    SCOPED_TRACE(c.zone);
    UpdateSpec spec;
    spec.zone = c.zone;
    spec.zone_class = c.zone_class;
    EXPECT_EQ(checkZone(parsed(spec), zones).rcode, c.want);
  }
}

// ---- prerequisites (RFC 2136 §2.4, §3.2) ----

struct PrereqCase {
  const char* name;
  std::vector<RecordSpec> prerequisites;
  UpdateRcode want;
};

class PrerequisiteTest : public ::testing::TestWithParam<PrereqCase> {};

TEST_P(PrerequisiteTest, Evaluates) {
  FakeZones zones;
  UpdateSpec spec;
  spec.prerequisites = GetParam().prerequisites;
  const UpdatePlan plan = checkPrerequisites(parsed(spec), zones);
  EXPECT_EQ(plan.rcode, GetParam().want) << plan.reason;
  EXPECT_EQ(plan.reason.empty(), GetParam().want == UpdateRcode::NoError);
}

const Bytes kNoRdata;

INSTANTIATE_TEST_SUITE_P(
    Table, PrerequisiteTest,
    ::testing::Values(
        PrereqCase{"none", {}, UpdateRcode::NoError},
        // §2.4.4 name is in use (class ANY, type ANY)
        PrereqCase{"yxdomain name with A",
                   {{"WWW.example.org", kAny, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{
            "yxdomain apex", {{"example.org", kAny, kClassAny, 0, kNoRdata}}, UpdateRcode::NoError},
        PrereqCase{"yxdomain missing",
                   {{"nope.example.org", kAny, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxDomain},
        PrereqCase{"yxdomain empty non-terminal",
                   {{"b.example.org", kAny, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxDomain},
        // §2.4.5 name is not in use (class NONE, type ANY)
        PrereqCase{"nxdomain missing",
                   {{"nope.example.org", kAny, kNone, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{"nxdomain empty non-terminal",
                   {{"b.example.org", kAny, kNone, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{"nxdomain exists",
                   {{"www.example.org", kAny, kNone, 0, kNoRdata}},
                   UpdateRcode::YxDomain},
        PrereqCase{
            "nxdomain apex", {{"example.org", kAny, kNone, 0, kNoRdata}}, UpdateRcode::YxDomain},
        // §2.4.1 RRset exists, value independent (class ANY, type T)
        PrereqCase{
            "yxrrset A", {{"www.example.org", kA, kClassAny, 0, kNoRdata}}, UpdateRcode::NoError},
        PrereqCase{"yxrrset SOA at apex",
                   {{"example.org", kSoa, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset NS at apex",
                   {{"example.org", kNs, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset A missing",
                   {{"nope.example.org", kA, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset AAAA",
                   {{"www.example.org", kAaaa, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset NS below apex",
                   {{"www.example.org", kNs, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxRrset},
        // §2.4.3 RRset does not exist (class NONE, type T)
        PrereqCase{"nxrrset A missing",
                   {{"nope.example.org", kA, kNone, 0, kNoRdata}},
                   UpdateRcode::NoError},
        PrereqCase{
            "nxrrset AAAA", {{"www.example.org", kAaaa, kNone, 0, kNoRdata}}, UpdateRcode::NoError},
        PrereqCase{"nxrrset A exists",
                   {{"www.example.org", kA, kNone, 0, kNoRdata}},
                   UpdateRcode::YxRrset},
        PrereqCase{"nxrrset SOA at apex",
                   {{"example.org", kSoa, kNone, 0, kNoRdata}},
                   UpdateRcode::YxRrset},
        // §2.4.2 RRset exists, value dependent (zone class)
        PrereqCase{"yxrrset value A",
                   {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset value A twice",
                   {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")},
                    {"WWW.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset value A differs",
                   {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.2")}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset value A superset",
                   {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")},
                    {"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.3")}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset value A missing",
                   {{"nope.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset value NS set",
                   {{"example.org", kNs, kIn, 0, nameRdata("NS2.example.org")},
                    {"example.org", kNs, kIn, 0, nameRdata("ns1.example.org")}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset value NS subset",
                   {{"example.org", kNs, kIn, 0, nameRdata("ns1.example.org")}},
                   UpdateRcode::NxRrset},
        PrereqCase{"yxrrset value SOA",
                   {{"example.org", kSoa, kIn, 0, soaRdata(7)}},
                   UpdateRcode::NoError},
        PrereqCase{"yxrrset value SOA old serial",
                   {{"example.org", kSoa, kIn, 0, soaRdata(6)}},
                   UpdateRcode::NxRrset},
        // §3.2.1 / §3.2.2 format and zone errors
        PrereqCase{"ttl not zero",
                   {{"www.example.org", kA, kClassAny, 5, kNoRdata}},
                   UpdateRcode::FormErr},
        PrereqCase{"class ANY with rdata",
                   {{"www.example.org", kA, kClassAny, 0, ipv4Rdata("10.0.0.1")}},
                   UpdateRcode::FormErr},
        PrereqCase{"class NONE with rdata",
                   {{"www.example.org", kA, kNone, 0, ipv4Rdata("10.0.0.1")}},
                   UpdateRcode::FormErr},
        PrereqCase{"zone class type ANY",
                   {{"www.example.org", kAny, kIn, 0, kNoRdata}},
                   UpdateRcode::FormErr},
        PrereqCase{"class ANY type AXFR",
                   {{"www.example.org", kAxfr, kClassAny, 0, kNoRdata}},
                   UpdateRcode::FormErr},
        PrereqCase{"class CH", {{"www.example.org", kA, kCh, 0, kNoRdata}}, UpdateRcode::FormErr},
        PrereqCase{"outside the zone",
                   {{"www.example.com", kA, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NotZone},
        PrereqCase{"in the zone below",
                   {{"x.sub.example.org", kAny, kNone, 0, kNoRdata}},
                   UpdateRcode::NotZone},
        PrereqCase{"first failure wins",
                   {{"www.example.org", kAny, kNone, 0, kNoRdata},
                    {"nope.example.org", kAny, kClassAny, 0, kNoRdata}},
                   UpdateRcode::YxDomain},
        PrereqCase{"value set checked after the others",
                   {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.9.9.9")},
                    {"nope.example.org", kAny, kClassAny, 0, kNoRdata}},
                   UpdateRcode::NxDomain}),
    [](const ::testing::TestParamInfo<PrereqCase>& param_info) {
      std::string name = param_info.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          c = '_';
        }
      }
      return name;
    });

// ---- update section (RFC 2136 §3.4) ----

using Kind = RecordChange::Kind;

RecordChange upsert(const std::string& name, std::array<std::uint8_t, 4> address,
                    std::uint32_t ttl) {
  return {Kind::Upsert, name, {address, ttl}};
}
RecordChange erase(const std::string& name) { return {Kind::Delete, name, {}}; }

struct UpdateCase {
  const char* name;
  std::vector<RecordSpec> updates;
  UpdateRcode want;
  std::vector<RecordChange> changes;
};

class PlanUpdatesTest : public ::testing::TestWithParam<UpdateCase> {};

TEST_P(PlanUpdatesTest, Plans) {
  FakeZones zones;
  UpdateSpec spec;
  spec.updates = GetParam().updates;
  const UpdatePlan plan = planUpdates(parsed(spec), zones);
  EXPECT_EQ(plan.rcode, GetParam().want) << plan.reason;
  EXPECT_EQ(plan.changes, GetParam().changes);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanUpdatesTest,
    ::testing::Values(UpdateCase{"empty", {}, UpdateRcode::NoError, {}},
                      UpdateCase{"add new name",
                                 {{"New.example.org", kA, kIn, 120, ipv4Rdata("192.0.2.1")}},
                                 UpdateRcode::NoError,
                                 {upsert("new.example.org", {192, 0, 2, 1}, 120)}},
                      UpdateCase{"add replaces",
                                 {{"www.example.org", kA, kIn, 300, ipv4Rdata("192.0.2.2")}},
                                 UpdateRcode::NoError,
                                 {upsert("www.example.org", {192, 0, 2, 2}, 300)}},
                      UpdateCase{"add new ttl",
                                 {{"www.example.org", kA, kIn, 30, ipv4Rdata("10.0.0.1")}},
                                 UpdateRcode::NoError,
                                 {upsert("www.example.org", {10, 0, 0, 1}, 30)}},
                      UpdateCase{"add same",
                                 {{"www.example.org", kA, kIn, 300, ipv4Rdata("10.0.0.1")}},
                                 UpdateRcode::NoError,
                                 {}},
                      UpdateCase{"add at apex",
                                 {{"example.org", kA, kIn, 60, ipv4Rdata("10.0.0.8")}},
                                 UpdateRcode::NoError,
                                 {upsert("example.org", {10, 0, 0, 8}, 60)}},
                      UpdateCase{"latest add wins",
                                 {{"n.example.org", kA, kIn, 1, ipv4Rdata("1.1.1.1")},
                                  {"N.example.org", kA, kIn, 2, ipv4Rdata("2.2.2.2")}},
                                 UpdateRcode::NoError,
                                 {upsert("n.example.org", {2, 2, 2, 2}, 2)}},
                      UpdateCase{"delete A rrset",
                                 {{"www.example.org", kA, kClassAny, 0, {}}},
                                 UpdateRcode::NoError,
                                 {erase("www.example.org")}},
                      UpdateCase{"delete A rrset missing",
                                 {{"nope.example.org", kA, kClassAny, 0, {}}},
                                 UpdateRcode::NoError,
                                 {}},
                      UpdateCase{"delete name",
                                 {{"www.example.org", kAny, kClassAny, 0, {}}},
                                 UpdateRcode::NoError,
                                 {erase("www.example.org")}},
                      UpdateCase{"delete apex keeps SOA NS",
                                 {{"example.org", kAny, kClassAny, 0, {}}},
                                 UpdateRcode::NoError,
                                 {erase("example.org")}},
                      UpdateCase{"delete RR matching",
                                 {{"www.example.org", kA, kNone, 0, ipv4Rdata("10.0.0.1")}},
                                 UpdateRcode::NoError,
                                 {erase("www.example.org")}},
                      UpdateCase{"delete RR other value",
                                 {{"www.example.org", kA, kNone, 0, ipv4Rdata("10.0.0.7")}},
                                 UpdateRcode::NoError,
                                 {}},
                      UpdateCase{"add then delete new",
                                 {{"n.example.org", kA, kIn, 1, ipv4Rdata("1.1.1.1")},
                                  {"n.example.org", kAny, kClassAny, 0, {}}},
                                 UpdateRcode::NoError,
                                 {}},
                      UpdateCase{"add then delete existing",
                                 {{"www.example.org", kA, kIn, 1, ipv4Rdata("1.1.1.1")},
                                  {"www.example.org", kA, kNone, 0, ipv4Rdata("1.1.1.1")}},
                                 UpdateRcode::NoError,
                                 {erase("www.example.org")}},
                      UpdateCase{"delete then add",
                                 {{"www.example.org", kAny, kClassAny, 0, {}},
                                  {"www.example.org", kA, kIn, 5, ipv4Rdata("5.5.5.5")}},
                                 UpdateRcode::NoError,
                                 {upsert("www.example.org", {5, 5, 5, 5}, 5)}},
                      UpdateCase{
                          "two names in order",
                          {{"z.example.org", kA, kIn, 1, ipv4Rdata("1.1.1.1")},
                           {"www.example.org", kA, kClassAny, 0, {}}},
                          UpdateRcode::NoError,
                          {upsert("z.example.org", {1, 1, 1, 1}, 1), erase("www.example.org")}},
                      UpdateCase{"add AAAA refused",
                                 {{"www.example.org", kAaaa, kIn, 60, Bytes(16, 1)}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"add NS refused",
                                 {{"example.org", kNs, kIn, 60, nameRdata("ns3.example.org")}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"delete NS rrset refused",
                                 {{"example.org", kNs, kClassAny, 0, {}}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"delete NS RR refused",
                                 {{"example.org", kNs, kNone, 0, nameRdata("ns1.example.org")}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"not a host name refused",
                                 {{"_srv.example.org", kA, kIn, 60, ipv4Rdata("1.2.3.4")}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"prescan before apply",
                                 {{"ok.example.org", kA, kIn, 60, ipv4Rdata("1.2.3.4")},
                                  {"www.example.org", kAaaa, kIn, 60, Bytes(16, 1)}},
                                 UpdateRcode::Refused,
                                 {}},
                      UpdateCase{"ttl above 2^31-1",
                                 {{"n.example.org", kA, kIn, 0x80000000u, ipv4Rdata("1.2.3.4")}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class ANY with ttl",
                                 {{"www.example.org", kA, kClassAny, 5, {}}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class ANY with rdata",
                                 {{"www.example.org", kA, kClassAny, 0, ipv4Rdata("10.0.0.1")}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class ANY AXFR",
                                 {{"www.example.org", kAxfr, kClassAny, 0, {}}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class NONE with ttl",
                                 {{"www.example.org", kA, kNone, 1, ipv4Rdata("10.0.0.1")}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class NONE type ANY",
                                 {{"www.example.org", kAny, kNone, 0, {}}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"zone class type ANY",
                                 {{"www.example.org", kAny, kIn, 0, {}}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"class CH",
                                 {{"www.example.org", kA, kCh, 0, ipv4Rdata("1.2.3.4")}},
                                 UpdateRcode::FormErr,
                                 {}},
                      UpdateCase{"outside the zone",
                                 {{"www.example.com", kA, kIn, 60, ipv4Rdata("1.2.3.4")}},
                                 UpdateRcode::NotZone,
                                 {}},
                      UpdateCase{"in the zone below",
                                 {{"a.sub.example.org", kA, kIn, 60, ipv4Rdata("1.2.3.4")}},
                                 UpdateRcode::NotZone,
                                 {}},
                      UpdateCase{"apex of the zone below",
                                 {{"sub.example.org", kA, kClassAny, 0, {}}},
                                 UpdateRcode::NotZone,
                                 {}}),
    [](const ::testing::TestParamInfo<UpdateCase>& param_info) {
      std::string name = param_info.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          c = '_';
        }
      }
      return name;
    });

TEST(PlanUpdate, StopsAtTheFirstFailingStage) {
  FakeZones zones;
  UpdateSpec spec;
  spec.prerequisites = {{"nope.example.org", kA, kClassAny, 0, {}}};
  spec.updates = {{"www.example.org", kA, kIn, 60, ipv4Rdata("1.2.3.4")}};
  const UpdatePlan failed = planUpdate(parsed(spec), zones);
  EXPECT_EQ(failed.rcode, UpdateRcode::NxRrset);
  EXPECT_TRUE(failed.changes.empty());

  spec.prerequisites = {{"www.example.org", kA, kIn, 0, ipv4Rdata("10.0.0.1")}};
  const UpdatePlan done = planUpdate(parsed(spec), zones);
  EXPECT_EQ(done.rcode, UpdateRcode::NoError);
  EXPECT_EQ(done.changes, (std::vector<RecordChange>{upsert("www.example.org", {1, 2, 3, 4}, 60)}));

  spec.zone = "example.net";
  EXPECT_EQ(planUpdate(parsed(spec), zones).rcode, UpdateRcode::NotAuth);
}

}  // namespace
}  // namespace fibdns::update
