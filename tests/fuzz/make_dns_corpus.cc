// Writes the DNS fuzz seed corpus (tests/fuzz/corpus/dns) from the unit tests' packet builder:
// one small file per packet shape. Run: fibdns_make_dns_corpus tests/fuzz/corpus/dns
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/dns_packets.h"

namespace {

using fibdns::testutil::buildQuery;
using fibdns::testutil::Bytes;
using fibdns::testutil::PacketBuilder;
using fibdns::testutil::QuerySpec;

Bytes withOpt(const std::string& name, std::uint16_t qtype, std::uint16_t payload,
              std::uint8_t version, const Bytes& options = {}) {
  QuerySpec spec;
  spec.name = name;
  spec.qtype = qtype;
  spec.edns = true;
  spec.edns_payload = payload;
  spec.edns_version = version;
  spec.edns_options = options;
  return buildQuery(spec);
}

Bytes cut(Bytes bytes, std::size_t n) {
  bytes.resize(bytes.size() > n ? bytes.size() - n : 0);
  return bytes;
}

Bytes withTail(Bytes bytes, const Bytes& tail) {
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  const Bytes cookie{0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
  QuerySpec chaos;
  chaos.name = "version.bind";
  chaos.qtype = 16;
  chaos.qclass = 3;
  QuerySpec notify;
  notify.opcode = 4;
  notify.qtype = 6;
  const std::vector<std::pair<std::string, Bytes>> seeds = {
      {"a_registered", buildQuery("fibonacci.com", 1)},
      {"a_mixed_case", buildQuery("FiBoNaCcI.CoM", 1)},
      {"a_nxdomain", buildQuery("nope.fibonacci.com", 1)},
      {"aaaa_nodata", buildQuery("fibonacci.com", 28)},
      {"a_ent", buildQuery("b.example.org", 1)},
      {"soa_root", buildQuery("", 6)},
      {"ns_root", buildQuery("", 2)},
      {"soa_apex", buildQuery("example.org", 6)},
      {"any_apex", buildQuery("example.org", 255)},
      {"axfr", buildQuery("example.org", 252)},
      {"outside_zone", buildQuery("example.net", 1)},
      {"chaos", buildQuery(chaos)},
      {"notify", buildQuery(notify)},
      {"edns", withOpt("fibonacci.com", 1, 1232, 0)},
      {"edns_cookie", withOpt("fibonacci.com", 1, 4096, 0, cookie)},
      {"edns_small_payload", withOpt("nope.com", 1, 100, 0)},
      {"edns_badvers", withOpt("fibonacci.com", 1, 1232, 1)},
      {"edns_cut", cut(withOpt("fibonacci.com", 1, 1232, 0), 3)},
      {"edns_bad_option", withOpt("fibonacci.com", 1, 1232, 0, {0x00, 0x0A, 0x00, 0x09, 1})},
      {"two_opts", PacketBuilder().header(1, 0, 1, 0, 0, 2).question("a.com", 1).opt(1232)
                       .opt(1232).bytes()},
      {"opt_in_answer", PacketBuilder().header(1, 0, 1, 1, 0, 0).question("a.com", 1).opt(1232)
                            .bytes()},
      {"answer_record", PacketBuilder().header(1, 0, 1, 1, 0, 0).question("a.com", 1)
                            .raw({0xC0, 12}).u16(1).u16(1).u32(60).u16(4).u32(0x01020304)
                            .bytes()},
      {"header_only", PacketBuilder().header(1, 0, 0).bytes()},
      {"short", cut(buildQuery("a.com", 1), 18)},
      {"response", PacketBuilder().header(1, 0x8000, 1).question("a.com", 1).bytes()},
      {"two_questions", PacketBuilder().header(1, 0, 2).question("a.com", 1).question("b.com", 1)
                            .bytes()},
      {"question_cut", cut(buildQuery("fibonacci.com", 1), 2)},
      {"pointer_back", PacketBuilder().header(1, 0, 1).raw({0xC0, 4}).u16(6).u16(1).bytes()},
      {"pointer_forward", PacketBuilder().header(1, 0, 1).raw({0xC0, 14, 0}).u16(1).u16(1)
                              .bytes()},
      {"pointer_loop", PacketBuilder().header(1, 0, 1).raw({1, 'a', 0xC0, 12}).u16(1).u16(1)
                           .bytes()},
      {"pointer_oob", PacketBuilder().header(1, 0, 1).raw({0xFF, 0xFF}).u16(1).u16(1).bytes()},
      {"label_64", PacketBuilder().header(1, 0, 1).raw({0x40, 'a', 0}).u16(1).u16(1).bytes()},
      {"long_name", buildQuery(std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                   std::string(63, 'c') + "." + std::string(61, 'd'),
                               1)},
      {"trailing_garbage", withTail(buildQuery("fibonacci.com", 1), {0xDE, 0xAD})},
  };
  for (const auto& [name, bytes] : seeds) {
    const std::string path = std::string(argv[1]) + "/" + name + ".bin";
    std::ofstream file(path, std::ios::binary);
    const std::string chars(bytes.begin(), bytes.end());
    file.write(chars.data(), static_cast<std::streamsize>(chars.size()));
    if (!file) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  std::printf("wrote %zu seeds\n", seeds.size());
  return 0;
}
