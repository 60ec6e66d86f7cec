#include "fibdns/dns/name.h"

#include <gtest/gtest.h>

#include <string>

namespace fibdns::dns {
namespace {

// n labels of `length` 'a's joined by dots.
std::string labels(std::size_t n, std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) {
      out += '.';
    }
    out += std::string(length, 'a');
  }
  return out;
}

struct ValidCase {
  const char* label;
  std::string input;
  std::string want;
};

TEST(Name, NormalizesValidNames) {
  const ValidCase cases[] = {
      {"typical", "fibonacci.com", "fibonacci.com"},
      {"uppercase", "FiBoNacci.COM", "fibonacci.com"},
      {"trailing dot", "fibonacci.com.", "fibonacci.com"},
      {"single label", "localhost", "localhost"},
      {"digits", "123.example", "123.example"},
      {"inner hyphen", "my-host.example-1.org", "my-host.example-1.org"},
      {"one character labels", "a.b.c", "a.b.c"},
      {"63 byte label", std::string(63, 'x') + ".com", std::string(63, 'x') + ".com"},
      // 4 labels of 62 bytes + 3 dots = 251; + ".a" = 253.
      {"253 byte name", labels(4, 62) + ".a", labels(4, 62) + ".a"},
      {"253 byte name with trailing dot", labels(4, 62) + ".a.", labels(4, 62) + ".a"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Result<std::string> name = normalizeHostName(c.input);
    ASSERT_TRUE(name.isOk()) << name.status().message();
    EXPECT_EQ(*name, c.want);
    EXPECT_TRUE(checkHostName(c.input).isOk());
  }
}

struct InvalidCase {
  const char* label;
  std::string input;
  std::string want_substring;
};

TEST(Name, RejectsInvalidNames) {
  const InvalidCase cases[] = {
      {"empty", "", "invalid name: empty"},
      {"only a dot", ".", "invalid name: empty"},
      {"empty label", "a..com", "empty label"},
      {"leading dot", ".a.com", "empty label"},
      {"two trailing dots", "a.com..", "empty label"},
      {"64 byte label", std::string(64, 'x') + ".com", "label longer than 63"},
      {"254 byte name", labels(4, 62) + ".ab", "longer than 253"},
      {"254 byte name with trailing dot", labels(4, 62) + ".ab.", "longer than 253"},
      {"leading hyphen", "-a.com", "starts with a hyphen"},
      {"trailing hyphen", "a-.com", "ends with a hyphen"},
      {"underscore", "a_b.com", "character '_' not allowed"},
      {"space", "a b.com", "character ' ' not allowed"},
      {"equals", "a=b.com", "character '=' not allowed"},
      {"star", "*.com", "character '*' not allowed"},
      {"control byte", std::string("a\x01.com"), "character '?' not allowed"},
      {"non ascii", "caf\xc3\xa9.com", "character '?' not allowed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Result<std::string> name = normalizeHostName(c.input);
    ASSERT_FALSE(name.isOk());
    EXPECT_EQ(name.status().code(), StatusCode::InvalidArgument);
    const std::string message = name.status().message();
    EXPECT_EQ(message.rfind("invalid name: ", 0), 0U) << message;
    EXPECT_NE(message.find(c.want_substring), std::string::npos) << message;
    for (const char ch : message) {
      EXPECT_TRUE(ch >= 0x20 && ch <= 0x7E) << "control byte in: " << message;
    }
    const Status checked = checkHostName(c.input);
    EXPECT_EQ(checked.code(), StatusCode::InvalidArgument);
    EXPECT_NE(checked.message().find(c.want_substring), std::string::npos) << checked.message();
  }
}

TEST(Name, IsNormalizedExactlyWhenNormalizingChangesNothing) {
  const std::string inputs[] = {
      "fibonacci.com", "FiBoNacci.COM", "fibonacci.com.", "localhost", "a.b.c", "my-host.ex-1.org",
      labels(4, 62) + ".a", labels(4, 62) + ".ab", "", ".", "a..com", "-a.com", "a-.com",
      "a_b.com", std::string(64, 'x') + ".com", "caf\xc3\xa9.com", "x.y.", "Z"};
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    const Result<std::string> normalized = normalizeHostName(input);
    EXPECT_EQ(isNormalizedHostName(input), normalized.isOk() && *normalized == input);
  }
}

TEST(Name, MessageNamesRuleAndName) {
  const Result<std::string> name = normalizeHostName("-a.com");
  ASSERT_FALSE(name.isOk());
  EXPECT_EQ(name.status().message(), "invalid name: label starts with a hyphen: -a.com");
}

TEST(Name, MessageTruncatesLongNames) {
  const Result<std::string> name = normalizeHostName(std::string(300, 'a'));
  ASSERT_FALSE(name.isOk());
  const std::string message = name.status().message();
  EXPECT_LT(message.size(), 64U + 64U);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
}

}  // namespace
}  // namespace fibdns::dns
