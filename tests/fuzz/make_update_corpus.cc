// Writes the UPDATE + TSIG seed corpus (tests/fuzz/corpus/update) from the unit tests' packet
// builder, signing with the fuzz target's keys: fibdns_make_update_corpus tests/fuzz/corpus/update
// The two captures of the real nsupdate and dig (bind_tools_test.cc) sit beside these seeds.
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/dns_packets.h"

namespace {

using fibdns::testutil::buildUpdate;
using fibdns::testutil::Bytes;
using fibdns::testutil::ipv4Rdata;
using fibdns::testutil::RecordSpec;
using fibdns::testutil::signMessage;
using fibdns::testutil::TsigSpec;
using fibdns::testutil::UpdateSpec;

constexpr std::uint64_t kNow = 1'700'000'000;

TsigSpec sha256Key() {
  TsigSpec spec;
  spec.key_name = "key.example";
  for (std::uint8_t i = 1; i <= 32; ++i) {
    spec.secret.push_back(i);
  }
  spec.time_signed = kNow;
  return spec;
}

TsigSpec sha1Key() {
  TsigSpec spec;
  spec.key_name = "sha1.example";
  spec.algorithm = "hmac-sha1";
  for (std::uint8_t i = 3; i < 23; ++i) {
    spec.secret.push_back(i);
  }
  spec.time_signed = kNow;
  return spec;
}

UpdateSpec addAndDelete() {
  UpdateSpec spec;
  spec.prerequisites = {{"new.example.org", 255, 254, 0, {}}};
  spec.updates = {{"new.example.org", 1, 1, 300, ipv4Rdata("192.0.2.7")},
                  {"old.example.org", 1, 255, 0, {}}};
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  UpdateSpec prereqs;
  prereqs.prerequisites = {
      {"www.example.org", 255, 255, 0, {}},
      {"www.example.org", 1, 255, 0, {}},
      {"nope.example.org", 1, 254, 0, {}},
      {"www.example.org", 1, 1, 0, ipv4Rdata("10.0.0.1")},
      {"example.org", 2, 1, 0, fibdns::testutil::encodeName("ns1.example.org")}};
  prereqs.updates = {{"www.example.org", 255, 255, 0, {}},
                     {"www.example.org", 1, 254, 0, ipv4Rdata("10.0.0.1")}};
  UpdateSpec refused;
  refused.updates = {{"www.example.org", 28, 1, 60, Bytes(16, 1)}};
  UpdateSpec notzone;
  notzone.updates = {{"a.sub.example.org", 1, 1, 60, ipv4Rdata("1.2.3.4")}};
  UpdateSpec notauth;
  notauth.zone = "example.net";
  TsigSpec truncated = sha256Key();
  truncated.mac_size = 16;
  TsigSpec stale = sha256Key();
  stale.time_signed = kNow - 1000;
  TsigSpec wrong = sha256Key();
  wrong.secret[0] ^= 1;
  TsigSpec unknown = sha256Key();
  unknown.key_name = "nobody.example";
  Bytes cookie_query = fibdns::testutil::buildQuery([] {
    fibdns::testutil::QuerySpec spec;
    spec.edns = true;
    spec.edns_options = {0x00, 0x0a, 0x00, 0x18, 1,    2,    3, 4, 5, 6, 7, 8, 1, 0,
                         0,    0,    0x65, 0x53, 0xf1, 0x00, 9, 9, 9, 9, 9, 9, 9, 9};
    return spec;
  }());
  const std::vector<std::pair<std::string, Bytes>> seeds = {
      {"update_unsigned", buildUpdate(addAndDelete())},
      {"update_sha256", signMessage(buildUpdate(addAndDelete()), sha256Key())},
      {"update_sha1", signMessage(buildUpdate(addAndDelete()), sha1Key())},
      {"update_truncated_mac", signMessage(buildUpdate(addAndDelete()), truncated)},
      {"update_badtime", signMessage(buildUpdate(addAndDelete()), stale)},
      {"update_badsig", signMessage(buildUpdate(addAndDelete()), wrong)},
      {"update_badkey", signMessage(buildUpdate(addAndDelete()), unknown)},
      {"update_prereqs", signMessage(buildUpdate(prereqs), sha256Key())},
      {"update_refused", buildUpdate(refused)},
      {"update_notzone", buildUpdate(notzone)},
      {"update_notauth", buildUpdate(notauth)},
      {"query_cookie", cookie_query},
      {"query_signed",
       signMessage(fibdns::testutil::buildQuery("www.example.org", 1), sha256Key())},
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
