#include "fibdns/http/json.h"

#include <gtest/gtest.h>

#include <string>

namespace fibdns::http::json {
namespace {

TEST(RegistrationJson, AcceptsTheAssignmentBody) {
  auto request = parseRegistrationRequest(
      R"({"hostname": "fibonacci.com", "ip": "172.18.0.2", "as_ip": "10.9.10.2", "as_port": "53533"})");
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->hostname, "fibonacci.com");
  EXPECT_EQ(request->ip.toString(), "172.18.0.2");
  EXPECT_EQ(request->as_ip, "10.9.10.2");
  EXPECT_EQ(request->as_port, 53533);
  EXPECT_FALSE(request->ttl);
}

TEST(RegistrationJson, AcceptsNumericPortAliasTtlAndHostNameAs) {
  auto request = parseRegistrationRequest(
      R"({"hostbane":"Fibonacci.COM.","ip":"1.2.3.4","as_ip":"as.internal","as_port":53533,"ttl":"0"})");
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->hostname, "fibonacci.com");
  EXPECT_EQ(request->as_ip, "as.internal");
  EXPECT_EQ(request->as_port, 53533);
  EXPECT_EQ(request->ttl, 0U);
}

TEST(RegistrationJson, AcceptsHostnameAndEqualAlias) {
  EXPECT_TRUE(parseRegistrationRequest(
      R"({"hostname":"a.com","hostbane":"a.com","ip":"1.2.3.4","as_ip":"1.1.1.1","as_port":1})"));
}

struct BadCase {
  const char* name;
  const char* body;
  const char* message_part;
};

class RegistrationJsonRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(RegistrationJsonRejects, WithMessage) {
  auto result = parseRegistrationRequest(GetParam().body);
  ASSERT_FALSE(result) << GetParam().body;
  EXPECT_EQ(result.status().code(), StatusCode::InvalidArgument);
  EXPECT_NE(result.status().message().find(GetParam().message_part), std::string::npos)
      << result.status().message();
  EXPECT_EQ(result.status().message().find('\n'), std::string::npos);
}

#define OK_REST R"("ip":"1.2.3.4","as_ip":"1.1.1.1","as_port":"53533")"

INSTANTIATE_TEST_SUITE_P(
    Table, RegistrationJsonRejects,
    ::testing::Values(
        BadCase{"Empty", "", "not valid JSON"},
        BadCase{"NotJson", "hostname=fibonacci.com", "not valid JSON"},
        BadCase{"Truncated", R"({"hostname":"a.com")", "not valid JSON"},
        BadCase{"TrailingGarbage", R"({"hostname":"a.com",)" OK_REST "}x", "not valid JSON"},
        BadCase{"Array", "[1,2]", "must be a JSON object, not an array"},
        BadCase{"String", R"("x")", "must be a JSON object, not a string"},
        BadCase{"Null", "null", "must be a JSON object, not null"},
        BadCase{"MissingHostname", "{" OK_REST "}", "missing field: hostname"},
        BadCase{"MissingIp", R"({"hostname":"a.com","as_ip":"1.1.1.1","as_port":1})",
                "missing field: ip"},
        BadCase{"MissingAsIp", R"({"hostname":"a.com","ip":"1.1.1.1","as_port":1})",
                "missing field: as_ip"},
        BadCase{"MissingAsPort", R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1"})",
                "missing field: as_port"},
        BadCase{"HostnameNumber", R"({"hostname":5,)" OK_REST "}", "hostname must be a string"},
        BadCase{"HostnameInvalid", R"({"hostname":"-a.com",)" OK_REST "}", "hostname"},
        BadCase{"HostnameEmpty", R"({"hostname":"",)" OK_REST "}", "hostname"},
        BadCase{"AliasDiffers", R"({"hostname":"a.com","hostbane":"b.com",)" OK_REST "}",
                "different values"},
        BadCase{"IpNotIpv4",
                R"({"hostname":"a.com","ip":"300.1.1.1","as_ip":"1.1.1.1","as_port":1})", "ip"},
        BadCase{"IpNumber", R"({"hostname":"a.com","ip":16909060,"as_ip":"1.1.1.1","as_port":1})",
                "ip must be a string"},
        BadCase{"AsIpNumericNotIpv4",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.2.3","as_port":1})", "as_ip"},
        BadCase{"AsIpList",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":["1.1.1.1"],"as_port":1})",
                "as_ip must be a string, not an array"},
        BadCase{"AsPortZero",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":0})",
                "as_port must be an integer from 1 to 65535"},
        BadCase{"AsPortTooBig",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":"65536"})",
                "as_port"},
        BadCase{"AsPortNegative",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":-1})", "as_port"},
        BadCase{"AsPortFraction",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":53.5})",
                "as_port"},
        BadCase{"AsPortPaddedString",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":" 53"})",
                "as_port"},
        BadCase{"AsPortBool",
                R"({"hostname":"a.com","ip":"1.1.1.1","as_ip":"1.1.1.1","as_port":true})",
                "as_port"},
        BadCase{"TtlTooBig", R"({"hostname":"a.com","ttl":2147483648,)" OK_REST "}", "ttl"},
        BadCase{"UnknownField", R"({"hostname":"a.com","color":"red",)" OK_REST "}",
                "unknown field"},
        BadCase{"DuplicateField", R"({"hostname":"a.com","hostname":"a.com",)" OK_REST "}",
                "given twice"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(RegistrationJson, DeepNestingIsRejectedWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto result = parseRegistrationRequest(deep);
  ASSERT_FALSE(result);
  EXPECT_NE(result.status().message().find("JSON object"), std::string::npos);
  const std::string deep_member =
      R"({"hostname":)" + std::string(50000, '[') + std::string(50000, ']') + "}";
  EXPECT_FALSE(parseRegistrationRequest(deep_member));
}

TEST(RegistrationJson, EmbeddedNulIsNotTruncation) {
  const std::string body = std::string(R"({"hostname":"a.com\u0000b",)") + OK_REST + "}";
  EXPECT_FALSE(parseRegistrationRequest(body));
}

}  // namespace
}  // namespace fibdns::http::json
