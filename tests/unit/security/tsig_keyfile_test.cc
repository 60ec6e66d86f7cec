#include "fibdns/security/tsig_keyfile.h"

#include <gtest/gtest.h>

#include <string>

namespace fibdns::security {
namespace {

// What `tsig-keygen -a hmac-sha256 ddns-key.example` prints (secret: 32 bytes 0x00..0x1f).
constexpr const char* kKeygenOutput =
    "key \"ddns-key.example\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\";\n"
    "};\n";

TEST(TsigKeyFile, ParsesTsigKeygenOutput) {
  const auto keys = parseTsigKeyFile(kKeygenOutput);
  ASSERT_TRUE(keys.isOk()) << keys.status().message();
  ASSERT_EQ(keys->size(), 1u);
  const TsigKey& key = keys->front();
  EXPECT_EQ(key.name.key(), "ddns-key.example");
  EXPECT_EQ(key.algorithm, TsigAlgorithm::HmacSha256);
  ASSERT_EQ(key.secret.size(), 32u);
  for (std::size_t i = 0; i < key.secret.size(); ++i) {
    EXPECT_EQ(key.secret[i], i);
  }
}

TEST(TsigKeyFile, ParsesSeveralKeysCommentsAndUnquotedNames) {
  const char* text =
      "# made by hand\n"
      "key \"One.Example.\" { algorithm hmac-sha512; secret \"AQID\"; };\n"
      "// second\n"
      "key two { /* old clients */ algorithm \"HMAC-SHA1\";\n"
      "  secret \"AQI=\"; };\n"
      "key three_key { secret \"AQ==\"; algorithm hmac-sha256; };  # order is free\n";
  const auto keys = parseTsigKeyFile(text);
  ASSERT_TRUE(keys.isOk()) << keys.status().message();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].name.key(), "one.example");
  EXPECT_EQ((*keys)[0].algorithm, TsigAlgorithm::HmacSha512);
  EXPECT_EQ((*keys)[0].secret, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ((*keys)[1].name.key(), "two");
  EXPECT_EQ((*keys)[1].algorithm, TsigAlgorithm::HmacSha1);
  EXPECT_EQ((*keys)[1].secret, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ((*keys)[2].name.key(), "three_key");
  EXPECT_EQ((*keys)[2].secret, (std::vector<std::uint8_t>{1}));
}

TEST(TsigKeyFile, KeyringFindsParsedKeys) {
  const auto keyring = parseTsigKeyring(kKeygenOutput);
  ASSERT_TRUE(keyring.isOk());
  EXPECT_NE(keyring->find(keyNameFromText("DDNS-KEY.example").value()), nullptr);
}

TEST(TsigKeyFile, BrokenFilesNameTheLine) {
  struct Case {
    const char* name;
    const char* text;
    const char* want;  // the message must contain this
  };
  const Case cases[] = {
      {"empty", "", "no key statement"},
      {"only comments", "# nothing\n/* here */\n", "no key statement"},
      {"other statement", "options { };\n", "line 1: expected 'key'"},
      {"no brace", "key k\n algorithm hmac-sha256;", "line 2: expected '{'"},
      {"unknown option", "key k {\n algorithm hmac-sha256;\n  color blue;\n};",
       "line 3: unknown key option 'color'"},
      {"no secret", "key k {\n algorithm hmac-sha256;\n};", "line 3: key has no secret"},
      {"no algorithm", "key k { secret \"AQID\"; };", "line 1: key has no algorithm"},
      {"md5", "key k {\n\n algorithm hmac-md5; secret \"AQID\"; };",
       "line 3: unsupported algorithm 'hmac-md5'"},
      {"bad base64", "key k { algorithm hmac-sha256;\n secret \"not*base64\"; };",
       "line 2: secret is not valid base64"},
      {"unpadded base64", "key k { algorithm hmac-sha256; secret \"AQI\"; };",
       "line 1: secret is not valid base64"},
      {"unquoted secret", "key k { algorithm hmac-sha256; secret AQID; };",
       "expected a quoted base64 secret"},
      {"two secrets", "key k { algorithm hmac-sha256; secret \"AQID\";\nsecret \"AQID\"; };",
       "line 2: secret given twice"},
      {"missing semicolon", "key k { algorithm hmac-sha256 secret \"AQID\"; };", "expected ';'"},
      {"missing final semicolon", "key k { algorithm hmac-sha256; secret \"AQID\"; }\n",
       "line 2: expected ';' after '}'"},
      {"unterminated string", "key \"k {\n", "line 1: unterminated string"},
      {"unterminated comment", "\n/* key k", "line 2: unterminated /* comment"},
      {"duplicate",
       "key k { algorithm hmac-sha256; secret \"AQID\"; };\nkey K. { algorithm hmac-sha1; secret "
       "\"AQID\"; };",
       "line 2: key 'k' defined twice"},
      {"empty label", "key \"a..b\" { algorithm hmac-sha256; secret \"AQID\"; };",
       "line 1: invalid key name"},
      {"long label",
       "key \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" { };",
       "line 1: invalid key name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto keys = parseTsigKeyFile(c.text);
    ASSERT_FALSE(keys.isOk());
    EXPECT_EQ(keys.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(keys.status().message().find(c.want), std::string::npos) << keys.status().message();
  }
}

TEST(TsigKeyFile, SecretNeverAppearsInErrors) {
  const auto keys = parseTsigKeyFile("key k { secret \"c2VjcmV0c2VjcmV0\"; color x; };");
  ASSERT_FALSE(keys.isOk());
  EXPECT_EQ(keys.status().message().find("c2VjcmV0"), std::string::npos);
}

TEST(KeyNameFromText, RejectsNamesOverTheLimit) {
  std::string name;
  for (int i = 0; i < 5; ++i) {
    name += std::string(60, 'a') + ".";
  }
  EXPECT_FALSE(keyNameFromText(name).isOk());
  EXPECT_FALSE(keyNameFromText("").isOk());
  EXPECT_FALSE(keyNameFromText("a b").isOk());
  EXPECT_EQ(keyNameFromText("A.B.").value().key(), "a.b");
}

}  // namespace
}  // namespace fibdns::security
