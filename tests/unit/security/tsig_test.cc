#include "fibdns/security/tsig.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "fibdns/security/tsig_keyfile.h"
#include "support/dns_packets.h"

namespace fibdns::security {
namespace {

using testutil::Bytes;
using testutil::PacketBuilder;
using testutil::TsigSpec;

constexpr std::uint64_t kNow = 1'700'000'000;

Bytes secretBytes(std::uint8_t seed, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::uint8_t>(seed + i * 7);
  }
  return out;
}

// An UPDATE-shaped request: header, zone section, one update RR.
Bytes updateRequest(std::uint16_t id = 0x4242) {
  return PacketBuilder()
      .header(id, 0x2800, 1, 0, 1, 0)
      .question("example.org", 6)
      .name("www.example.org")
      .u16(1)
      .u16(1)
      .u32(300)
      .u16(4)
      .u8(10)
      .u8(0)
      .u8(0)
      .u8(7)
      .bytes();
}

class TsigTest : public ::testing::Test {
 protected:
  TsigTest() {
    addKey("key.example", TsigAlgorithm::HmacSha256, secretBytes(1, 32));
    addKey("sha512.example", TsigAlgorithm::HmacSha512, secretBytes(2, 64));
    addKey("sha1.example", TsigAlgorithm::HmacSha1, secretBytes(3, 20));
  }

  void addKey(const std::string& name, TsigAlgorithm algorithm, Bytes secret) {
    TsigKey key;
    key.name = keyNameFromText(name).value();
    key.algorithm = algorithm;
    key.secret = std::move(secret);
    ASSERT_TRUE(keys_.add(std::move(key)).isOk());
  }

  TsigSpec spec(const std::string& key = "key.example",
                const std::string& algorithm = "hmac-sha256", std::uint8_t seed = 1,
                std::size_t secret_size = 32) {
    TsigSpec s;
    s.key_name = key;
    s.algorithm = algorithm;
    s.secret = secretBytes(seed, secret_size);
    s.time_signed = kNow;
    return s;
  }

  std::optional<TsigVerdict> verify(const Bytes& message, std::uint64_t now = kNow,
                                    const TsigPolicy& policy = {}) {
    auto result = verifyRequest(message, keys_, now, policy);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    return result.isOk() ? result.value() : std::nullopt;
  }

  Status verifyStatus(const Bytes& message) { return verifyRequest(message, keys_, kNow).status(); }

  TsigKeyring keys_;
};

TEST_F(TsigTest, UnsignedRequestHasNoVerdict) { EXPECT_FALSE(verify(updateRequest()).has_value()); }

TEST_F(TsigTest, VerifiesEachAlgorithm) {
  struct Case {
    const char* key;
    const char* algorithm;
    std::uint8_t seed;
    std::size_t secret_size;
  };
  for (const Case& c :
       {Case{"key.example", "hmac-sha256", 1, 32}, Case{"sha512.example", "hmac-sha512", 2, 64},
        Case{"sha1.example", "hmac-sha1", 3, 20}}) {
    SCOPED_TRACE(c.algorithm);
    const auto verdict =
        verify(signMessage(updateRequest(), spec(c.key, c.algorithm, c.seed, c.secret_size)));
    ASSERT_TRUE(verdict.has_value());
    EXPECT_TRUE(verdict->isVerified());
    ASSERT_NE(verdict->key, nullptr);
    EXPECT_EQ(verdict->key->name.key(), c.key);
  }
}

TEST_F(TsigTest, KeyAndAlgorithmNamesIgnoreCase) {
  TsigSpec s = spec("KEY.Example", "HMAC-SHA256");
  const auto verdict = verify(signMessage(updateRequest(), s));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_TRUE(verdict->isVerified());
}

TEST_F(TsigTest, UnknownKeyIsBadKey) {
  const auto verdict = verify(signMessage(updateRequest(), spec("other.example")));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->error, TsigError::BadKey);
  EXPECT_EQ(verdict->key, nullptr);
}

TEST_F(TsigTest, AlgorithmOtherThanTheKeysIsBadKey) {
  const auto verdict =
      verify(signMessage(updateRequest(), spec("key.example", "hmac-sha512", 1, 32)));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->error, TsigError::BadKey);
}

TEST_F(TsigTest, UnsupportedAlgorithmIsBadKey) {
  TsigSpec s = spec();
  s.algorithm = "hmac-md5.sig-alg.reg.int";
  s.mac = Bytes(16, 0xAB);
  const auto verdict = verify(signMessage(updateRequest(), s));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->error, TsigError::BadKey);
}

TEST_F(TsigTest, WrongSecretIsBadSig) {
  const auto verdict = verify(signMessage(updateRequest(), spec("key.example", "hmac-sha256", 9)));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->error, TsigError::BadSig);
  EXPECT_NE(verdict->key, nullptr);
}

TEST_F(TsigTest, AnyChangedByteIsBadSig) {
  const Bytes request = updateRequest();
  const Bytes signed_request = signMessage(request, spec());
  // Every byte of the signed part (header but ARCOUNT, zone, update RR) is covered by the MAC.
  for (std::size_t i = 0; i < request.size(); ++i) {
    if (i < 2 || i == 10 || i == 11) {
      // The ID: the MAC covers the TSIG's Original ID instead (RFC 8945 §4.3.2), so a forwarder
      // may change it. ARCOUNT: changing it breaks the framing, not just the MAC.
      continue;
    }
    Bytes tampered = signed_request;
    tampered[i] ^= 0x01;
    const auto result = verifyRequest(tampered, keys_, kNow);
    if (!result.isOk() || !result.value()) {
      continue;  // the flip made the message unparsable: FORMERR, also a rejection
    }
    SCOPED_TRACE(i);
    EXPECT_NE(result.value()->error, TsigError::NoError);
  }
}

TEST_F(TsigTest, TimeOutsideFudgeIsBadTimeAfterMacCheck) {
  TsigSpec s = spec();
  s.fudge = 300;
  const Bytes message = signMessage(updateRequest(), s);
  EXPECT_TRUE(verify(message, kNow + 300)->isVerified());
  EXPECT_TRUE(verify(message, kNow - 300)->isVerified());
  EXPECT_EQ(verify(message, kNow + 301)->error, TsigError::BadTime);
  EXPECT_EQ(verify(message, kNow - 301)->error, TsigError::BadTime);
  // A bad MAC is reported as such even when the time is also wrong (§5.2.3: MAC first).
  TsigSpec bad = s;
  bad.secret = secretBytes(9, 32);
  EXPECT_EQ(verify(signMessage(updateRequest(), bad), kNow + 1000)->error, TsigError::BadSig);
}

TEST_F(TsigTest, TruncatedMacWithinRfcLimitsIsAccepted) {
  TsigSpec s = spec();
  s.mac_size = 16;  // half of SHA-256
  EXPECT_TRUE(verify(signMessage(updateRequest(), s))->isVerified());
  TsigSpec sha1 = spec("sha1.example", "hmac-sha1", 3, 20);
  sha1.mac_size = 10;  // max(10, 20/2)
  EXPECT_TRUE(verify(signMessage(updateRequest(), sha1))->isVerified());
}

TEST_F(TsigTest, MacSizeOutOfRangeIsFormErr) {
  TsigSpec short_mac = spec();
  short_mac.mac_size = 15;
  EXPECT_EQ(verifyStatus(signMessage(updateRequest(), short_mac)).code(),
            StatusCode::InvalidArgument);
  TsigSpec long_mac = spec();
  long_mac.mac = Bytes(33, 0);
  EXPECT_EQ(verifyStatus(signMessage(updateRequest(), long_mac)).code(),
            StatusCode::InvalidArgument);
}

TEST_F(TsigTest, EmptyMacIsBadSig) {
  TsigSpec s = spec();
  s.mac = Bytes{};
  EXPECT_EQ(verify(signMessage(updateRequest(), s))->error, TsigError::BadSig);
}

TEST_F(TsigTest, TruncationBelowPolicyIsBadTrunc) {
  TsigSpec s = spec();
  s.mac_size = 16;
  TsigPolicy policy;
  policy.min_mac_size = 20;
  EXPECT_EQ(verify(signMessage(updateRequest(), s), kNow, policy)->error, TsigError::BadTrunc);
  s.mac_size = 0;  // a full MAC is never "too truncated"
  EXPECT_TRUE(verify(signMessage(updateRequest(), s), kNow, policy)->isVerified());
}

TEST_F(TsigTest, OriginalIdIsWhatWasSigned) {
  TsigSpec s = spec();
  s.original_id = 0x1111;
  const Bytes message = signMessage(updateRequest(0x2222), s);
  EXPECT_TRUE(verify(message)->isVerified());
}

TEST_F(TsigTest, TsigNotLastIsFormErr) {
  Bytes message = signMessage(updateRequest(), spec());
  // Another additional record after the TSIG.
  message =
      PacketBuilder().raw(message).name("x.example").u16(1).u16(1).u32(0).u16(4).u32(0).bytes();
  message[11] = static_cast<std::uint8_t>(message[11] + 1);
  EXPECT_EQ(verifyStatus(message).code(), StatusCode::InvalidArgument);
}

TEST_F(TsigTest, TwoTsigsAreFormErr) {
  const Bytes twice = signMessage(signMessage(updateRequest(), spec()), spec());
  EXPECT_EQ(verifyStatus(twice).code(), StatusCode::InvalidArgument);
}

TEST_F(TsigTest, TsigOutsideAdditionalIsFormErr) {
  // Move the TSIG into the authority (update) section by recounting.
  Bytes message = signMessage(updateRequest(), spec());
  message[9] = 2;   // NSCOUNT
  message[11] = 0;  // ARCOUNT
  EXPECT_EQ(verifyStatus(message).code(), StatusCode::InvalidArgument);
}

TEST_F(TsigTest, TsigClassOrTtlWrongIsFormErr) {
  const Bytes message = signMessage(updateRequest(), spec());
  const std::size_t tsig = updateRequest().size();
  const std::size_t class_offset = tsig + testutil::encodeName("key.example").size() + 2;
  Bytes bad_class = message;
  bad_class[class_offset + 1] = 1;  // IN
  EXPECT_EQ(verifyStatus(bad_class).code(), StatusCode::InvalidArgument);
  Bytes bad_ttl = message;
  bad_ttl[class_offset + 5] = 1;
  EXPECT_EQ(verifyStatus(bad_ttl).code(), StatusCode::InvalidArgument);
}

TEST_F(TsigTest, CutTsigIsFormErr) {
  const Bytes message = signMessage(updateRequest(), spec());
  for (std::size_t cut = 1; cut < 20; ++cut) {
    Bytes shorter(message.begin(), message.end() - static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(verifyStatus(shorter).code(), StatusCode::InvalidArgument) << cut;
  }
}

class TsigResponseTest : public TsigTest {
 protected:
  // A reply to updateRequest(): header (QR, opcode UPDATE), the zone echoed.
  static Bytes reply(std::uint16_t id = 0x4242, std::uint16_t flags = 0xA800) {
    return PacketBuilder().header(id, flags, 1).question("example.org", 6).bytes();
  }

  // Writes `body` into a fresh writer and lets appendResponseTsig sign it.
  Bytes signReply(const Bytes& body, const TsigVerdict& verdict, std::uint64_t now,
                  std::size_t capacity = 1024) {
    buffer_.assign(capacity, 0);
    dns::WireWriter writer(buffer_);
    writer.writeBytes(body);
    if (!appendResponseTsig(writer, verdict, now)) {
      return {};
    }
    return Bytes(writer.written().begin(), writer.written().end());
  }

  Bytes buffer_;
};

TEST_F(TsigResponseTest, SignedReplyChainsOnTheRequestMac) {
  const TsigSpec request_spec = spec();
  const Bytes request = signMessage(updateRequest(), request_spec);
  const auto verdict = verify(request);
  ASSERT_TRUE(verdict && verdict->isVerified());

  const Bytes signed_reply = signReply(reply(), *verdict, kNow + 5);
  const auto parsed = testutil::parseResponse(signed_reply);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->arcount, 1);
  const auto fields = testutil::decodeTsig(parsed->additional.back());
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(parsed->additional.back().name, "key.example");
  EXPECT_EQ(fields->algorithm, "hmac-sha256");
  EXPECT_EQ(fields->time_signed, kNow + 5);
  EXPECT_EQ(fields->error, 0);
  EXPECT_EQ(fields->original_id, 0x4242);

  TsigSpec expected = request_spec;
  expected.time_signed = kNow + 5;
  expected.fudge = fields->fudge;
  expected.prior_mac = verdict->request.mac;
  EXPECT_EQ(fields->mac, testutil::tsigMac(testutil::withoutLastRecord(signed_reply), expected));
  EXPECT_EQ(testutil::withoutLastRecord(signed_reply), reply());
}

TEST_F(TsigResponseTest, ReplyToTruncatedRequestMacChainsOnTheTruncatedMac) {
  TsigSpec request_spec = spec("sha512.example", "hmac-sha512", 2, 64);
  request_spec.mac_size = 32;
  const auto verdict = verify(signMessage(updateRequest(), request_spec));
  ASSERT_TRUE(verdict && verdict->isVerified());
  ASSERT_EQ(verdict->request.mac.size(), 32u);
  const Bytes signed_reply = signReply(reply(), *verdict, kNow);
  const auto parsed = testutil::parseResponse(signed_reply);
  ASSERT_TRUE(parsed.has_value());
  const auto fields = testutil::decodeTsig(parsed->additional.back());
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->mac.size(), 64u);
  TsigSpec expected = request_spec;
  expected.fudge = fields->fudge;
  expected.prior_mac = verdict->request.mac;
  EXPECT_EQ(fields->mac, testutil::tsigMac(testutil::withoutLastRecord(signed_reply), expected));
}

TEST_F(TsigResponseTest, BadTimeReplyIsSignedWithTheServersTime) {
  const TsigSpec request_spec = spec();
  const auto verdict = verify(signMessage(updateRequest(), request_spec), kNow + 1000);
  ASSERT_TRUE(verdict.has_value());
  ASSERT_EQ(verdict->error, TsigError::BadTime);

  const Bytes signed_reply = signReply(reply(0x4242, 0xA809), *verdict, kNow + 1000);
  const auto parsed = testutil::parseResponse(signed_reply);
  ASSERT_TRUE(parsed.has_value());
  const auto fields = testutil::decodeTsig(parsed->additional.back());
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->error, 18);
  EXPECT_EQ(fields->time_signed, kNow);  // the request's
  Bytes server_time;                     // kNow + 1000 as 48 bits, big-endian
  for (int shift = 40; shift >= 0; shift -= 8) {
    server_time.push_back(static_cast<std::uint8_t>(((kNow + 1000) >> shift) & 0xFF));
  }
  EXPECT_EQ(fields->other, server_time);
  TsigSpec expected = request_spec;
  expected.fudge = fields->fudge;
  expected.error = 18;
  expected.other = server_time;
  expected.prior_mac = verdict->request.mac;
  EXPECT_EQ(fields->mac, testutil::tsigMac(testutil::withoutLastRecord(signed_reply), expected));
}

TEST_F(TsigResponseTest, BadSigAndBadKeyRepliesAreUnsigned) {
  struct Case {
    TsigSpec spec;
    std::uint16_t error;
    const char* owner;
  };
  const TsigSpec wrong_secret = spec("key.example", "hmac-sha256", 9);
  const TsigSpec unknown_key = spec("Nobody.Example");
  for (const Case& c :
       {Case{wrong_secret, 16, "key.example"}, Case{unknown_key, 17, "nobody.example"}}) {
    SCOPED_TRACE(c.error);
    const auto verdict = verify(signMessage(updateRequest(), c.spec));
    ASSERT_TRUE(verdict.has_value());
    const Bytes signed_reply = signReply(reply(0x4242, 0xA809), *verdict, kNow);
    const auto parsed = testutil::parseResponse(signed_reply);
    ASSERT_TRUE(parsed.has_value());
    const auto fields = testutil::decodeTsig(parsed->additional.back());
    ASSERT_TRUE(fields.has_value());
    EXPECT_EQ(fields->error, c.error);
    EXPECT_TRUE(fields->mac.empty());
    EXPECT_EQ(parsed->additional.back().name, c.owner);
  }
}

TEST_F(TsigResponseTest, NoRoomLeavesTheWriterFailed) {
  const auto verdict = verify(signMessage(updateRequest(), spec()));
  ASSERT_TRUE(verdict && verdict->isVerified());
  const Bytes body = reply();
  EXPECT_TRUE(signReply(body, *verdict, kNow, body.size() + 20).empty());
}

TEST_F(TsigResponseTest, StreamChainsEveryMessageOnThePreviousMac) {
  const TsigSpec request_spec = spec();
  const auto verdict = verify(signMessage(updateRequest(), request_spec));
  ASSERT_TRUE(verdict && verdict->isVerified());
  TsigStreamSigner signer(*verdict);
  Bytes prior = verdict->request.mac;
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const Bytes body = PacketBuilder()
                           .header(0x4242, 0x8400, 1, 1)
                           .question("example.org", 252)
                           .name("a.example.org")
                           .u16(1)
                           .u16(1)
                           .u32(60)
                           .u16(4)
                           .u32(0x0A000000u + static_cast<std::uint32_t>(i))
                           .bytes();
    buffer_.assign(1024, 0);
    dns::WireWriter writer(buffer_);
    writer.writeBytes(body);
    const std::uint64_t now = kNow + static_cast<std::uint64_t>(i);
    ASSERT_TRUE(signer.signNext(writer, now));
    const Bytes message(writer.written().begin(), writer.written().end());
    const auto parsed = testutil::parseResponse(message);
    ASSERT_TRUE(parsed.has_value());
    const auto fields = testutil::decodeTsig(parsed->additional.back());
    ASSERT_TRUE(fields.has_value());
    TsigSpec expected = request_spec;
    expected.time_signed = now;
    expected.fudge = fields->fudge;
    expected.prior_mac = prior;
    expected.timers_only = i > 0;
    EXPECT_EQ(fields->mac, testutil::tsigMac(testutil::withoutLastRecord(message), expected));
    prior = fields->mac;
  }
}

TEST_F(TsigResponseTest, StreamRefusesAnUnverifiedRequest) {
  const auto verdict = verify(signMessage(updateRequest(), spec("key.example", "hmac-sha256", 9)));
  ASSERT_TRUE(verdict.has_value());
  TsigStreamSigner signer(*verdict);
  buffer_.assign(512, 0);
  dns::WireWriter writer(buffer_);
  writer.writeBytes(reply());
  EXPECT_FALSE(signer.signNext(writer, kNow));
}

TEST(TsigAlgorithm, NamesRoundTrip) {
  for (const TsigAlgorithm algorithm :
       {TsigAlgorithm::HmacSha1, TsigAlgorithm::HmacSha256, TsigAlgorithm::HmacSha512}) {
    EXPECT_EQ(tsigAlgorithmFromName(tsigAlgorithmName(algorithm)), algorithm);
  }
  EXPECT_EQ(tsigAlgorithmFromName("HMAC-SHA512."), TsigAlgorithm::HmacSha512);
  EXPECT_FALSE(tsigAlgorithmFromName("hmac-md5").has_value());
  EXPECT_EQ(tsigMacLength(TsigAlgorithm::HmacSha1), 20u);
  EXPECT_EQ(tsigMacLength(TsigAlgorithm::HmacSha512), 64u);
}

TEST(TsigKeyring, FindsIgnoringCaseAndRejectsDuplicates) {
  TsigKeyring keys;
  TsigKey key;
  key.name = keyNameFromText("k.example").value();
  key.secret = {1, 2, 3};
  ASSERT_TRUE(keys.add(key).isOk());
  EXPECT_EQ(keys.add(key).code(), StatusCode::InvalidArgument);
  EXPECT_NE(keys.find(keyNameFromText("K.EXAMPLE.").value()), nullptr);
  EXPECT_EQ(keys.find(keyNameFromText("j.example").value()), nullptr);
}

}  // namespace
}  // namespace fibdns::security
