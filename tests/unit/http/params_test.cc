#include "fibdns/http/params.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace fibdns::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(*percentDecode("%35"), "5");
  EXPECT_EQ(*percentDecode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(*percentDecode("a+b"), "a b");
  EXPECT_EQ(*percentDecode(""), "");
}

TEST(PercentDecode, RejectsBrokenEscapes) {
  EXPECT_FALSE(percentDecode("%"));
  EXPECT_FALSE(percentDecode("%3"));
  EXPECT_FALSE(percentDecode("%zz"));
}

TEST(PercentEncode, EncodesAllButUnreserved) {
  EXPECT_EQ(percentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percentEncode("1&x=2 /"), "1%26x%3D2%20%2F");
  EXPECT_EQ(*percentDecode(percentEncode("\xff%+")), "\xff%+");
}

struct NumberCase {
  const char* name;
  std::optional<std::string> raw;
  bool ok;
  std::uint64_t value;       // when ok
  const char* message_part;  // when not ok
};

class FibonacciIndexTest : public ::testing::TestWithParam<NumberCase> {};

TEST_P(FibonacciIndexTest, Parses) {
  const NumberCase& c = GetParam();
  auto result = parseFibonacciIndex(c.raw, 100000);
  ASSERT_EQ(result.isOk(), c.ok) << result.status().message();
  if (c.ok) {
    EXPECT_EQ(*result, c.value);
  } else {
    EXPECT_EQ(result.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(result.status().message().find(c.message_part), std::string::npos)
        << result.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, FibonacciIndexTest,
    ::testing::Values(NumberCase{"Zero", "0", true, 0, ""}, NumberCase{"Ten", "10", true, 10, ""},
                      NumberCase{"Limit", "100000", true, 100000, ""},
                      NumberCase{"LeadingZeros", "010", true, 10, ""},
                      NumberCase{"PercentEncodedDigit", "%35", true, 5, ""},
                      NumberCase{"PercentEncodedDigits", "%31%30", true, 10, ""},
                      NumberCase{"Missing", std::nullopt, false, 0, "missing parameter: number"},
                      NumberCase{"Empty", "", false, 0, "empty"},
                      NumberCase{"Negative", "-1", false, 0, "sign"},
                      NumberCase{"Plus", "%2B5", false, 0, "sign"},
                      NumberCase{"PlusAsSpace", "+5", false, 0, "spaces"},
                      NumberCase{"Fraction", "1.5", false, 0, "whole number"},
                      NumberCase{"WholeFraction", "10.0", false, 0, "whole number"},
                      NumberCase{"Exponent", "1e3", false, 0, "whole number"},
                      NumberCase{"Hex", "0x10", false, 0, "hexadecimal"},
                      NumberCase{"LeadingSpace", "%205", false, 0, "spaces"},
                      NumberCase{"TrailingSpace", "5%20", false, 0, "spaces"},
                      NumberCase{"Letters", "abc", false, 0, "not a decimal integer"},
                      NumberCase{"Mixed", "5a", false, 0, "not a decimal integer"},
                      NumberCase{"AboveLimit", "100001", false, 0, "the limit is 100000"},
                      NumberCase{"Huge", "99999999999999999999999999", false, 0,
                                 "the limit is 100000"},
                      NumberCase{"BadEscape", "%3", false, 0, "percent-encoding"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(PortParameter, AcceptsOneTo65535) {
  EXPECT_EQ(*parsePortParameter("fs_port", "1"), 1);
  EXPECT_EQ(*parsePortParameter("fs_port", "65535"), 65535);
  EXPECT_EQ(*parsePortParameter("fs_port", "%39%30%39%30"), 9090);
}

TEST(PortParameter, RejectsOthersNamingTheParameter) {
  for (const char* bad : {"0", "65536", "-1", "abc", "90 90", "0x50", "", "99999999999999999999"}) {
    auto result = parsePortParameter("as_port", bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_NE(result.status().message().find("as_port"), std::string::npos);
  }
}

RawUserQuery completeQuery() { return {"fibonacci.com", "9090", "10", "127.0.0.1", "53533"}; }

TEST(ValidateUserQuery, AcceptsTheCanonicalRequest) {
  auto request = validateUserQuery(completeQuery());
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->hostname, "fibonacci.com");
  EXPECT_EQ(request->fs_port, 9090);
  EXPECT_EQ(request->number, "10");
  EXPECT_EQ(request->as.ip, "127.0.0.1");
  EXPECT_EQ(request->as.port, 53533);
}

TEST(ValidateUserQuery, NormalisesHostnameAndAcceptsAsHostName) {
  RawUserQuery query = completeQuery();
  query.hostname = "FIBONACCI.com.";
  query.as_ip = "as.local";
  auto request = validateUserQuery(query);
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->hostname, "fibonacci.com");
  EXPECT_EQ(request->as.ip, "as.local");
}

TEST(ValidateUserQuery, PassesNumberThroughDecodedButUnjudged) {
  RawUserQuery query = completeQuery();
  query.number = "abc%26x";
  auto request = validateUserQuery(query);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->number, "abc&x");
}

TEST(ValidateUserQuery, NamesEachMissingParameter) {
  const char* names[] = {"hostname", "fs_port", "number", "as_ip", "as_port"};
  for (int i = 0; i < 5; ++i) {
    RawUserQuery query = completeQuery();
    std::optional<std::string>* fields[] = {&query.hostname, &query.fs_port, &query.number,
                                            &query.as_ip, &query.as_port};
    *fields[i] = std::nullopt;
    auto missing = validateUserQuery(query);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.status().message(), std::string("missing parameter: ") + names[i]);
    *fields[i] = "";
    auto empty = validateUserQuery(query);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.status().message(), std::string("missing parameter: ") + names[i]);
  }
}

TEST(ValidateUserQuery, NamesAllMissingParametersAtOnce) {
  auto result = validateUserQuery(RawUserQuery{"fibonacci.com", std::nullopt, "10", "1.2.3.4", ""});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().message(), "missing parameters: fs_port, as_port");
}

TEST(ValidateUserQuery, NamesEveryInvalidParameter) {
  auto result = validateUserQuery(RawUserQuery{"bad_name!", "0", "10", "not an ip!", "x"});
  ASSERT_FALSE(result);
  const std::string message = result.status().message();
  for (const char* name : {"hostname", "fs_port", "as_ip", "as_port"}) {
    EXPECT_NE(message.find(name), std::string::npos) << name << " in: " << message;
  }
}

TEST(ValidateUserQuery, RejectsBadAsIp) {
  for (const char* bad : {"300.1.1.1", "1.2.3", "a..b", "-host", "1.2.3.4:53", "%zz"}) {
    RawUserQuery query = completeQuery();
    query.as_ip = bad;
    EXPECT_FALSE(validateUserQuery(query)) << bad;
  }
}

}  // namespace
}  // namespace fibdns::http

namespace fibdns::http {
namespace {

TEST(ParseAsAddress, AcceptsIpv4Ipv6AndHostNames) {
  EXPECT_EQ(*parseAsAddress("10.9.10.2"), "10.9.10.2");
  EXPECT_EQ(*parseAsAddress("::1"), "::1");
  EXPECT_EQ(*parseAsAddress("[::1]"), "::1");
  EXPECT_EQ(*parseAsAddress("2001:DB8:0::7"), "2001:db8::7");
  EXPECT_EQ(*parseAsAddress("::ffff:10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(*parseAsAddress("AS.Internal."), "as.internal");
}

TEST(ParseAsAddress, RejectsWhatIsNeither) {
  for (const char* bad :
       {"1.2.3", "300.1.1.1", "::1::2", "[10.0.0.1]", "[::1", "fe80::1%eth0", "a b", ""}) {
    auto parsed = parseAsAddress(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(
        parsed.status().message().find("as_ip must be an IPv4 or IPv6 address or a host name"),
        std::string::npos);
  }
}

TEST(ValidateUserQuery, TakesAnIpv6AsIpPercentEncoded) {
  auto request = validateUserQuery({"fibonacci.com", "9090", "10", "%3A%3A1", "53533"});
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->as.ip, "::1");
}

}  // namespace
}  // namespace fibdns::http
