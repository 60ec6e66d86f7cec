#include "fibdns/dns/wire_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::dns {
namespace {

using testutil::Bytes;
using testutil::encodeName;

// A message whose first 12 bytes are filler (a header), so offsets look like a real packet.
Bytes message(const Bytes& body) {
  Bytes bytes;
  bytes.reserve(12 + body.size());  // also keeps GCC 12's -Warray-bounds from a false alarm
  bytes.assign(12, 0xEE);
  bytes.insert(bytes.end(), body.begin(), body.end());
  return bytes;
}

Bytes label(std::size_t length, char fill = 'a') {
  Bytes bytes;
  bytes.reserve(1 + length);
  bytes.push_back(static_cast<std::uint8_t>(length));
  bytes.insert(bytes.end(), length, static_cast<std::uint8_t>(fill));
  return bytes;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

struct ParseCase {
  std::string test_name;
  Bytes packet;
  std::size_t start;  // where the name to parse begins
  bool want_ok;
  std::string want_key;
  std::size_t want_end;  // reader offset after a good parse
};

class WireNameParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(WireNameParse, Parses) {
  const ParseCase& c = GetParam();
  WireReader reader(c.packet);
  reader.seek(c.start);
  WireName name;
  const bool ok = WireName::fromWire(reader, name);
  EXPECT_EQ(ok, c.want_ok);
  EXPECT_EQ(reader.ok(), c.want_ok);
  if (ok && c.want_ok) {
    EXPECT_EQ(name.key(), c.want_key);
    EXPECT_EQ(reader.offset(), c.want_end);
  }
}

// Two hops: "b" then a pointer back to "a.com" at 12, then (at 22) a pointer to "b".
const Bytes kTwoHops =
    message(concat({encodeName("a.com"), label(1, 'b'), {0xC0, 12}, {0xC0, 19}}));

// A chain: root byte at 12, then n pointers, each to the previous one.
Bytes pointerChain(std::size_t n) {
  Bytes body{0};
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t target = i == 0 ? 12 : 13 + 2 * (i - 1);
    body.push_back(static_cast<std::uint8_t>(0xC0 | (target >> 8)));
    body.push_back(static_cast<std::uint8_t>(target & 0xFF));
  }
  return message(body);
}

// 255 bytes: 3 labels of 63 and one of 61, plus the root byte; 256: the last label one longer.
const Bytes kName255 = message(concat({label(63), label(63), label(63), label(61), {0}}));
const Bytes kName256 = message(concat({label(63), label(63), label(63), label(62), {0}}));
// 250 bytes of name at 12, then a 7-byte prefix pointing to it: 257 bytes uncompressed.
const Bytes kLongViaPointer =
    message(concat({label(63), label(63), label(63), label(56), {0}, label(6, 'x'), {0xC0, 12}}));

INSTANTIATE_TEST_SUITE_P(
    Cases, WireNameParse,
    ::testing::Values(
        ParseCase{"Simple", message(encodeName("Fib.Example.COM")), 12, true, "fib.example.com",
                  12 + 17},
        ParseCase{"Root", message({0}), 12, true, "", 13},
        ParseCase{"BackwardPointer", message(concat({encodeName("a.com"), {0xC0, 12}})), 19, true,
                  "a.com", 21},
        ParseCase{"PrefixThenPointer",
                  message(concat({encodeName("a.com"), label(3, 'w'), {0xC0, 12}})), 19, true,
                  "www.a.com", 25},
        ParseCase{"TwoHops", kTwoHops, 23, true, "b.a.com", 25},
        ParseCase{"ForwardPointer", message(concat({{0xC0, 14}, encodeName("a.com")})), 12, false,
                  "", 0},
        ParseCase{"PointerToItself", message({0xC0, 12}), 12, false, "", 0},
        ParseCase{"PointerIntoOwnLabels", message(concat({label(1), {0xC0, 12}})), 12, false, "",
                  0},
        // 12 -> "a" + pointer to 16 (forward), 16 -> pointer to 12: a loop needs a forward hop.
        ParseCase{"Loop", message({1, 'a', 0xC0, 16, 0xC0, 12}), 16, false, "", 0},
        ParseCase{"PointerOutOfBounds", message({0xFF, 0xFF}), 12, false, "", 0},
        ParseCase{"PointerCutShort", message({0xC0}), 12, false, "", 0},
        ParseCase{"LabelType01", message({0x41, 'a', 0}), 12, false, "", 0},
        ParseCase{"LabelType10", message({0x81, 'a', 0}), 12, false, "", 0},
        ParseCase{"Label63", message(concat({label(63), {0}})), 12, true, std::string(63, 'a'),
                  12 + 65},
        ParseCase{"Name255", kName255, 12, true,
                  std::string(63, 'a') + "." + std::string(63, 'a') + "." + std::string(63, 'a') +
                      "." + std::string(61, 'a'),
                  12 + 255},
        ParseCase{"Name256", kName256, 12, false, "", 0},
        ParseCase{"NameOver255ThroughPointer", kLongViaPointer, 12 + 250, false, "", 0},
        ParseCase{"TruncatedLabel", message({5, 'a', 'b'}), 12, false, "", 0},
        ParseCase{"MissingRoot", message({1, 'a'}), 12, false, "", 0},
        ParseCase{"Empty", message({}), 12, false, "", 0},
        ParseCase{"Chain32Hops", pointerChain(32), 12 + 1 + 2 * 31, true, "", 12 + 1 + 2 * 32},
        ParseCase{"Chain33HopsOverCap", pointerChain(33), 12 + 1 + 2 * 32, false, "", 0},
        ParseCase{"EscapesDotsAndOddBytes", message({3, 'A', '.', 'b', 2, 0x00, ' ', 0}), 12, true,
                  "a\\.b.\\000\\032", 12 + 8}),
    [](const ::testing::TestParamInfo<ParseCase>& p) { return p.param.test_name; });

TEST(WireName, KeepsTheClientsBytesForEcho) {
  const Bytes packet = message(concat({encodeName("a.CoM"), label(3, 'W'), {0xC0, 12}}));
  WireReader reader(packet);
  reader.seek(19);
  WireName name;
  ASSERT_TRUE(WireName::fromWire(reader, name));
  const Bytes wire(name.wire().begin(), name.wire().end());
  EXPECT_EQ(wire, encodeName("WWW.a.CoM"));  // expanded, case kept
  EXPECT_EQ(name.key(), "www.a.com");
  EXPECT_EQ(name.labelCount(), 3u);
  EXPECT_EQ(name.labelOffset(1), 4u);
}

TEST(WireName, DefaultIsRoot) {
  const WireName name;
  EXPECT_TRUE(name.isRoot());
  EXPECT_EQ(name.wire().size(), 1u);
  EXPECT_EQ(name.key(), "");
}

TEST(WireName, FromHostName) {
  auto name = WireName::fromHostName("Fibonacci.COM.");
  ASSERT_TRUE(name.isOk());
  EXPECT_EQ(name->key(), "fibonacci.com");
  const Bytes wire(name->wire().begin(), name->wire().end());
  EXPECT_EQ(wire, encodeName("fibonacci.com"));
  EXPECT_EQ(name->labelCount(), 2u);

  auto root = WireName::fromHostName(".");
  ASSERT_TRUE(root.isOk());
  EXPECT_TRUE(root->isRoot());
  EXPECT_TRUE(WireName::fromHostName("").isOk());

  EXPECT_FALSE(WireName::fromHostName("-bad.com").isOk());
  EXPECT_FALSE(WireName::fromHostName("a..b").isOk());
}

TEST(WireName, SuffixOffset) {
  const Bytes packet = encodeName("www.Example.com");
  WireReader reader(packet);
  WireName name;
  ASSERT_TRUE(WireName::fromWire(reader, name));
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("example.com")), 4u);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("www.example.com")), 0u);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("com")), 12u);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("")), packet.size() - 1);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("ample.com")), std::nullopt);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("x.www.example.com")), std::nullopt);
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("example.org")), std::nullopt);
}

TEST(WireName, OneLabelWithADotIsNotBelowTheZone) {
  const Bytes packet{5, 'x', '.', 'c', 'o', 'm', 0};  // one label "x.com"
  WireReader reader(packet);
  WireName name;
  ASSERT_TRUE(WireName::fromWire(reader, name));
  EXPECT_EQ(name.key(), "x\\.com");
  EXPECT_EQ(name.suffixOffset(*WireName::fromHostName("com")), std::nullopt);
}

}  // namespace
}  // namespace fibdns::dns
