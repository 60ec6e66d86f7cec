#include "fibdns/security/dns_cookie.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::security {
namespace {

using testutil::Bytes;

Bytes hex(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c != ' ') {
      digits += c;
    }
  }
  Bytes out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

ServerCookies::Secret secretFromHex(std::string_view text) {
  const Bytes bytes = hex(text);
  ServerCookies::Secret secret{};
  std::copy(bytes.begin(), bytes.end(), secret.begin());
  return secret;
}

CookieOption cookie(std::string_view client_and_server_hex) {
  return parseCookieOption(hex(client_and_server_hex)).value();
}

Bytes issued(const ServerCookies& cookies, const CookieOption& option, const IpAddress& client,
             std::uint32_t now) {
  const auto server = cookies.issue(option.client, client, now);
  return Bytes(server.begin(), server.end());
}

// RFC 9018 Appendix A: the test vectors (secret e5e973e5a6b2a43f48e7dc849e37bfcf).
const ServerCookies::Secret kRfcSecret = secretFromHex("e5e973e5a6b2a43f48e7dc849e37bfcf");
const IpAddress kClient1 = IpAddress::v4({198, 51, 100, 100});
const IpAddress kClient2 = IpAddress::v4({203, 0, 113, 203});

TEST(ServerCookies, MatchesRfc9018LearningANewCookie) {  // A.1
  const ServerCookies cookies(kRfcSecret);
  const CookieOption request = cookie("2464c4abcf10c957");
  EXPECT_EQ(issued(cookies, request, kClient1, 1559731985),
            hex("010000005cf79f111f8130c3eee29480"));
}

TEST(ServerCookies, MatchesRfc9018RenewedCookie) {  // A.2
  const ServerCookies cookies(kRfcSecret);
  const CookieOption request = cookie("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
  EXPECT_EQ(cookies.check(request, kClient1, 1559734385), CookieCheck::Valid);
  EXPECT_EQ(issued(cookies, request, kClient1, 1559734385),
            hex("010000005cf7a871d4a564a1442aca77"));
}

TEST(ServerCookies, MatchesRfc9018AnotherClient) {  // A.3
  const ServerCookies cookies(kRfcSecret);
  const CookieOption request = cookie("fc93fc62807ddb8601000000 5cf79f11 1f8130c3eee29480");
  EXPECT_EQ(issued(cookies, request, kClient2, 1559734700),
            hex("010000005cf7a9acf73a7810aca2381e"));
}

class ServerCookiesTest : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kNow = 1'700'000'000;
  ServerCookies cookies_{secretFromHex("000102030405060708090a0b0c0d0e0f")};
  CookieOption client_only_ = cookie("0102030405060708");

  CookieOption withServer(const ServerCookies& from, const IpAddress& client, std::uint32_t at) {
    CookieOption option = client_only_;
    const auto server = from.issue(option.client, client, at);
    std::copy(server.begin(), server.end(), option.server_storage.begin());
    option.server_size = server.size();
    return option;
  }
};

TEST_F(ServerCookiesTest, ClientOnlyIsAFirstContact) {
  EXPECT_EQ(cookies_.check(client_only_, kClient1, kNow), CookieCheck::ClientOnly);
}

TEST_F(ServerCookiesTest, AcceptsItsOwnRecentCookie) {
  const CookieOption option = withServer(cookies_, kClient1, kNow);
  EXPECT_EQ(cookies_.check(option, kClient1, kNow), CookieCheck::Valid);
  EXPECT_EQ(cookies_.check(option, kClient1, kNow + 3600), CookieCheck::Valid);
  EXPECT_EQ(cookies_.check(option, kClient1, kNow - 300), CookieCheck::Valid);
}

TEST_F(ServerCookiesTest, RejectsExpiredFutureOrForeignCookies) {
  const CookieOption option = withServer(cookies_, kClient1, kNow);
  EXPECT_EQ(cookies_.check(option, kClient1, kNow + 3601), CookieCheck::Invalid);
  EXPECT_EQ(cookies_.check(option, kClient1, kNow - 301), CookieCheck::Invalid);
  EXPECT_EQ(cookies_.check(option, kClient2, kNow), CookieCheck::Invalid);  // other address
  CookieOption other_client = option;
  other_client.client[0] ^= 1;
  EXPECT_EQ(cookies_.check(other_client, kClient1, kNow), CookieCheck::Invalid);
  for (std::size_t i = 0; i < option.server_size; ++i) {
    if (i >= 4 && i < 8) {
      continue;  // the timestamp: covered by the hash, but also by the age check
    }
    CookieOption tampered = option;
    tampered.server_storage[i] ^= 0x40;
    EXPECT_EQ(cookies_.check(tampered, kClient1, kNow), CookieCheck::Invalid) << i;
  }
  CookieOption stamped_later = option;
  stamped_later.server_storage[7] ^= 1;
  EXPECT_EQ(cookies_.check(stamped_later, kClient1, kNow + 10), CookieCheck::Invalid);
  const ServerCookies stranger(secretFromHex("ffeeddccbbaa99887766554433221100"));
  EXPECT_EQ(stranger.check(option, kClient1, kNow), CookieCheck::Invalid);
  CookieOption eight_bytes = option;
  eight_bytes.server_size = 8;
  EXPECT_EQ(cookies_.check(eight_bytes, kClient1, kNow), CookieCheck::Invalid);
}

TEST_F(ServerCookiesTest, TimestampsWrapWithSerialArithmetic) {
  const std::uint32_t near_wrap = 0xFFFFFF00u;
  const CookieOption option = withServer(cookies_, kClient1, near_wrap);
  EXPECT_EQ(cookies_.check(option, kClient1, near_wrap + 600), CookieCheck::Valid);  // wrapped
}

TEST_F(ServerCookiesTest, RotationKeepsThePreviousSecretForChecking) {
  const CookieOption old_cookie = withServer(cookies_, kClient1, kNow);
  const ServerCookies next = cookies_.rotated(secretFromHex("101112131415161718191a1b1c1d1e1f"));
  EXPECT_EQ(next.check(old_cookie, kClient1, kNow + 10), CookieCheck::Valid);
  const CookieOption new_cookie = withServer(next, kClient1, kNow);
  EXPECT_EQ(next.check(new_cookie, kClient1, kNow), CookieCheck::Valid);
  EXPECT_EQ(cookies_.check(new_cookie, kClient1, kNow), CookieCheck::Invalid);
  const ServerCookies after_next = next.rotated(secretFromHex("202122232425262728292a2b2c2d2e2f"));
  EXPECT_EQ(after_next.check(old_cookie, kClient1, kNow), CookieCheck::Invalid);  // two back
}

TEST_F(ServerCookiesTest, IssuedCookiesDifferPerClientAddress) {
  const IpAddress v6 = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_NE(cookies_.issue(client_only_.client, kClient1, kNow),
            cookies_.issue(client_only_.client, v6, kNow));
  EXPECT_EQ(cookies_.check(withServer(cookies_, v6, kNow), v6, kNow), CookieCheck::Valid);
}

TEST_F(ServerCookiesTest, WritesTheReplyOption) {
  std::vector<std::uint8_t> buffer(64);
  dns::WireWriter writer(buffer);
  cookies_.writeReplyOption(writer, client_only_, kClient1, kNow);
  ASSERT_TRUE(writer.ok());
  ASSERT_EQ(writer.offset(), 28u);
  EXPECT_EQ(buffer[0], 0);
  EXPECT_EQ(buffer[1], 10);
  EXPECT_EQ(buffer[3], 24);
  EXPECT_TRUE(
      std::equal(client_only_.client.begin(), client_only_.client.end(), buffer.begin() + 4));
  const auto option = parseCookieOption(std::span<const std::uint8_t>(buffer).subspan(4, 24));
  ASSERT_TRUE(option.isOk());
  EXPECT_EQ(cookies_.check(*option, kClient1, kNow), CookieCheck::Valid);
}

TEST(RandomSecret, GivesDifferentSecrets) {
  const auto a = ServerCookies::randomSecret();
  const auto b = ServerCookies::randomSecret();
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_NE(*a, *b);
}

TEST(ParseCookieOption, LengthsAre8Or16To40) {
  for (std::size_t size = 0; size <= 48; ++size) {
    const Bytes data(size, 0xAB);
    const bool valid = size == 8 || (size >= 16 && size <= 40);
    const auto option = parseCookieOption(data);
    EXPECT_EQ(option.isOk(), valid) << size;
    if (valid) {
      EXPECT_EQ(option->server_size, size - 8);
    }
  }
}

Bytes queryWithOptions(const Bytes& options) {
  testutil::QuerySpec spec;
  spec.edns = true;
  spec.edns_options = options;
  return testutil::buildQuery(spec);
}

TEST(FindCookieOption, FindsItAmongOtherOptions) {
  const Bytes nsid{0x00, 0x03, 0x00, 0x00};
  Bytes options = nsid;
  const Bytes cookie_option = hex("000a00082464c4abcf10c957");
  options.insert(options.end(), cookie_option.begin(), cookie_option.end());
  const auto found = findCookieOption(queryWithOptions(options));
  ASSERT_TRUE(found.isOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(Bytes((*found)->client.begin(), (*found)->client.end()), hex("2464c4abcf10c957"));
  EXPECT_EQ((*found)->server_size, 0u);
}

TEST(FindCookieOption, AbsentWithoutOptOrCookie) {
  EXPECT_FALSE(findCookieOption(testutil::buildQuery("example.com", 1)).value().has_value());
  EXPECT_FALSE(findCookieOption(queryWithOptions({0x00, 0x03, 0x00, 0x00})).value().has_value());
}

TEST(FindCookieOption, MalformedIsFormErr) {
  struct Case {
    const char* name;
    Bytes message;
  };
  Bytes cut = queryWithOptions(hex("000a00082464c4abcf10c957"));
  cut.pop_back();
  Bytes long_cookie{0x00, 0x0a, 0x00, 41};
  long_cookie.resize(4 + 41, 0xAB);
  const Case cases[] = {
      {"cookie of 9 bytes", queryWithOptions(hex("000a00092464c4abcf10c95701"))},
      {"cookie of 41 bytes", queryWithOptions(long_cookie)},
      {"two cookies", queryWithOptions(hex("000a00082464c4abcf10c957000a00082464c4abcf10c957"))},
      {"option cut", queryWithOptions(hex("000a00102464c4abcf10c957"))},
      {"message cut", cut},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(findCookieOption(c.message).status().code(), StatusCode::InvalidArgument);
  }
}

}  // namespace
}  // namespace fibdns::security
