// Fuzz target: the write path of issue 9 over arbitrary bytes, as the engine will chain it:
// the TSIG check (and the signed or unsigned TSIG of the reply), the RFC 2136 UPDATE parser and
// planner against a fixed zone, the COOKIE option and the server-cookie check. Nothing may crash
// or throw; every reply written must be a well-formed message by the independent test decoder;
// a plan must only change host names inside the zone, each at most once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "fibdns/dns/message.h"
#include "fibdns/dns/name.h"
#include "fibdns/security/dns_cookie.h"
#include "fibdns/security/tsig.h"
#include "fibdns/security/tsig_keyfile.h"
#include "fibdns/update/update_message.h"
#include "fibdns/update/update_plan.h"
#include "support/dns_packets.h"

namespace {

using namespace fibdns;  // NOLINT(google-build-using-namespace): a fuzz driver

// The keys the seed corpus is signed with (tests/fuzz/make_update_corpus.cc).
constexpr const char* kKeys =
    "key \"key.example\" { algorithm hmac-sha256; secret "
    "\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"; };\n"
    "key \"sha1.example\" { algorithm hmac-sha1; secret \"AwQFBgcICQoLDA0ODxAREhMUFRY=\"; };\n"
    "key \"ddns-key.example\" { algorithm hmac-sha256; secret "
    "\"HG9yvXjz1iFx6xpGKQsVuQnNJLtmgUVm8IVi+UF/saE=\"; };\n";
constexpr std::uint64_t kNow = 1'700'000'000;

class FixedZones : public update::ZoneView {
 public:
  std::optional<update::ApexRecords> apexAt(const dns::WireName& name) const override {
    if (name.key() != "example.org" && name.key() != "sub.example.org") {
      return std::nullopt;
    }
    update::ApexRecords apex;
    apex.mname = dns::WireName::fromHostName("ns1.example.org").value();
    apex.rname = dns::WireName::fromHostName("hostmaster.example.org").value();
    apex.serial = 7;
    apex.ns = {apex.mname};
    return apex;
  }
  std::optional<update::ARecordValue> findA(const dns::WireName& name) const override {
    if (name.key() == "www.example.org" || name.key() == "old.example.org") {
      return update::ARecordValue{{10, 0, 0, 1}, 300};
    }
    return std::nullopt;
  }
};

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

struct World {
  security::TsigKeyring keys = security::parseTsigKeyring(kKeys).value();
  FixedZones zones;
  security::ServerCookies cookies{
      security::ServerCookies::Secret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(65535);
};

// The reply the engine would send: header and zone echoed, the TSIG last.
void replyAndCheck(World& world, const dns::Header& header, const update::UpdateMessage* request,
                   update::UpdateRcode rcode, const security::TsigVerdict* verdict) {
  dns::WireWriter writer(world.out);
  update::writeUpdateReply(writer, header, request, rcode);
  if (!writer.ok()) {
    return;  // cannot happen with 64 KiB; not an input property
  }
  if (verdict != nullptr && !security::appendResponseTsig(writer, *verdict, kNow)) {
    return;
  }
  const auto decoded = testutil::parseResponse(writer.written());
  check(decoded.has_value());
  check(decoded->qr && decoded->id == header.id && decoded->opcode == update::kOpcodeUpdate);
  if (verdict != nullptr) {
    check(!decoded->additional.empty());
    const auto tsig = testutil::decodeTsig(decoded->additional.back());
    check(tsig.has_value());
    check(tsig->error == static_cast<std::uint16_t>(verdict->error));
    check(tsig->mac.empty() == (verdict->error == security::TsigError::BadKey ||
                                verdict->error == security::TsigError::BadSig));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::span<const std::uint8_t> message(data, size);

  // COOKIE: parse, and check whatever server cookie came with it.
  const auto cookie = security::findCookieOption(message);
  if (cookie.isOk() && cookie->has_value()) {
    const auto& option = **cookie;
    check(option.server_size == 0 || (option.server_size >= 8 && option.server_size <= 32));
    (void)world.cookies.check(option, security::IpAddress::v4({192, 0, 2, 1}),
                              static_cast<std::uint32_t>(kNow));
  }

  dns::WireReader reader(message);
  dns::Header header;
  if (!dns::readHeader(reader, header)) {
    return 0;
  }

  const auto verdict = security::verifyRequest(message, world.keys, kNow);
  const security::TsigVerdict* signed_by =
      verdict.isOk() && verdict->has_value() ? &**verdict : nullptr;
  if (signed_by != nullptr && !signed_by->isVerified()) {
    check(signed_by->error != security::TsigError::NoError);
    replyAndCheck(world, header, nullptr, update::UpdateRcode::NotAuth, signed_by);
  }

  const auto update_message = update::parseUpdate(message);
  if (!update_message) {
    replyAndCheck(world, header, nullptr, update::UpdateRcode::FormErr, nullptr);
    return 0;
  }
  const update::UpdatePlan plan = update::planUpdate(*update_message, world.zones);
  std::set<std::string> names;
  for (const update::RecordChange& change : plan.changes) {
    check(plan.rcode == update::UpdateRcode::NoError);
    check(names.insert(change.name).second);  // at most one change per name
    const auto host = dns::normalizeHostName(change.name);
    check(host.isOk() && host.value() == change.name);
    check(change.name == "example.org" ||
          (change.name.size() > 12 &&
           change.name.compare(change.name.size() - 12, 12, ".example.org") == 0));
    check(change.name.find("sub.example.org") == std::string::npos || change.name.size() < 15 ||
          change.name.compare(change.name.size() - 15, 15, "sub.example.org") != 0);
  }
  replyAndCheck(world, update_message->header, &*update_message, plan.rcode,
                signed_by != nullptr && signed_by->isVerified() ? signed_by : nullptr);
  return 0;
}
