// Fuzz target: the DNS responder (and through it WireReader, WireName, the header, question and
// OPT parsers, WireWriter) over arbitrary bytes, as UDP and as TCP. Every reply must be a
// well-formed message by the independent test decoder, carry the query's ID, fit the limit, and
// be absent only for inputs the ladder drops.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "fibdns/authority/dns_responder.h"
#include "fibdns/authority/record_cache.h"
#include "support/dns_packets.h"

namespace {

using fibdns::authority::DnsResponder;
using fibdns::authority::RecordCache;
using fibdns::authority::Transport;
using fibdns::authority::ZoneConfig;

struct World {
  RecordCache cache;
  std::vector<DnsResponder> responders;

  World() {
    cache.put({"fibonacci.com", {{1, 2, 3, 4}}, 300});
    cache.put({"a.b.example.org", {{5, 6, 7, 8}}, 60});
    cache.put({"example.org", {{9, 9, 9, 9}}, 120});
    cache.setSerial(42);
    responders.push_back(DnsResponder::create(ZoneConfig{}).value());
    ZoneConfig zones;
    zones.apexes = {"example.org", "fibonacci.com", "com"};
    zones.primary_ns = "ns.example.org";
    zones.hostmaster = "hostmaster.fibonacci.com";
    responders.push_back(DnsResponder::create(zones).value());
  }
};

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  static std::vector<std::uint8_t> out(65535);
  const std::span<const std::uint8_t> query(data, size);
  for (const DnsResponder& responder : world.responders) {
    for (const Transport transport : {Transport::Udp, Transport::Tcp}) {
      const auto reply = responder.respond(query, out, transport, world.cache);
      if (!reply) {
        // Only inputs the ladder drops: too short, or QR set.
        check(size < 12 || (data[2] & 0x80) != 0);
        continue;
      }
      check(size >= 12 && (data[2] & 0x80) == 0);
      check(*reply >= 12 && *reply <= out.size());
      if (transport == Transport::Udp) {
        check(*reply <= DnsResponder::kEdnsPayload);
      }
      const auto decoded = fibdns::testutil::parseResponse({out.data(), *reply});
      check(decoded.has_value());
      check(decoded->qr);
      check(decoded->id == ((data[0] << 8) | data[1]));
      check(!decoded->ra && !decoded->z && !decoded->ad);
    }
  }
  return 0;
}
