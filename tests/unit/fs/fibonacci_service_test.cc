#include "fibdns/fs/fibonacci_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "mocks/mock_registrar.h"

namespace fibdns::http {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::InvokeArgument;
using ::testing::SaveArg;
using ::testing::StrictMock;

constexpr const char* kBody =
    R"({"hostname":"Fibonacci.com","ip":"172.18.0.2","as_ip":"10.9.10.2","as_port":"53533"})";

MATCHER_P2(AsAt, ip, port, "") { return arg.ip == ip && arg.port == port; }

class FibonacciServiceTest : public ::testing::Test {
 protected:
  /// PUT /register, for registrars that complete before returning (the mock's InvokeArgument).
  HttpReply registerNow(std::string_view body) {
    std::optional<HttpReply> answer;
    service_.registerName(body, [&answer](HttpReply reply) {
      EXPECT_FALSE(answer) << "responded twice";
      answer = std::move(reply);
    });
    EXPECT_TRUE(answer) << "no answer";
    return answer.value_or(HttpReply{});
  }

  StrictMock<MockRegistrar> registrar_;
  FibonacciService service_{registrar_, FibonacciServiceOptions{100000, 10, 4096}};
};

TEST_F(FibonacciServiceTest, ComputesExactValues) {
  EXPECT_EQ(service_.fibonacci("0"), textReply(200, "0"));
  EXPECT_EQ(service_.fibonacci("10"), textReply(200, "55"));
  EXPECT_EQ(service_.fibonacci("100").body, "354224848179261915075");
  EXPECT_EQ(service_.fibonacci("%35").body, "5");
}

TEST_F(FibonacciServiceTest, BadNumbersAre400) {
  for (const char* bad : {"", "-1", "1.5", "0x10", "abc", "100001", "%205"}) {
    const HttpReply reply = service_.fibonacci(std::string(bad));
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_EQ(reply.body.find('\n'), std::string::npos);
  }
  EXPECT_EQ(service_.fibonacci(std::nullopt).status, 400);
  EXPECT_THAT(service_.fibonacci("100001").body, HasSubstr("100000"));
}

TEST_F(FibonacciServiceTest, RegistersAndAnswers201) {
  EXPECT_CALL(registrar_, registerRecord(AsAt("10.9.10.2", 53533),
                                         AllOf(Field(&dns::ARecord::name, "fibonacci.com"),
                                               Field(&dns::ARecord::ttl, 10U)),
                                         _))
      .WillOnce(InvokeArgument<2>(Status::ok()));
  const HttpReply reply = registerNow(kBody);
  EXPECT_EQ(reply.status, 201);
  EXPECT_THAT(reply.body, HasSubstr("fibonacci.com"));
}

TEST_F(FibonacciServiceTest, TtlFromBodyWins) {
  EXPECT_CALL(registrar_, registerRecord(_, Field(&dns::ARecord::ttl, 0U), _))
      .WillOnce(InvokeArgument<2>(Status::ok()));
  EXPECT_EQ(
      registerNow(R"({"hostname":"a.com","ip":"1.2.3.4","as_ip":"1.1.1.1","as_port":1,"ttl":0})")
          .status,
      201);
}

TEST_F(FibonacciServiceTest, AsRefusalIs502WithReason) {
  EXPECT_CALL(registrar_, registerRecord(_, _, _))
      .WillOnce(InvokeArgument<2>(unavailable(
          "the AS refused the registration: Registration Failed! invalid IPv4 address")));
  const HttpReply reply = registerNow(kBody);
  EXPECT_EQ(reply.status, 502);
  EXPECT_THAT(reply.body, HasSubstr("invalid IPv4 address"));
}

TEST_F(FibonacciServiceTest, NoReplyIs504) {
  EXPECT_CALL(registrar_, registerRecord(_, _, _))
      .WillOnce(InvokeArgument<2>(deadlineExceeded("no reply from the AS at 10.9.10.2:53533")));
  EXPECT_EQ(registerNow(kBody).status, 504);
}

TEST_F(FibonacciServiceTest, UnresolvableAsIs400) {
  EXPECT_CALL(registrar_, registerRecord(_, _, _))
      .WillOnce(InvokeArgument<2>(invalidArgument("as_ip: cannot resolve host 'x'")));
  EXPECT_EQ(registerNow(kBody).status, 400);
}

TEST_F(FibonacciServiceTest, AsOutsideTheAllowListIs403) {
  EXPECT_CALL(registrar_, registerRecord(_, _, _))
      .WillOnce(
          InvokeArgument<2>(permissionDenied("10.9.10.2 is outside the allowed upstream ranges")));
  const HttpReply reply = registerNow(kBody);
  EXPECT_EQ(reply.status, 403);
  EXPECT_THAT(reply.body, HasSubstr("outside the allowed upstream ranges"));
}

TEST_F(FibonacciServiceTest, AnswersWhenTheAsAnswersNotBefore) {
  RegistrationCallback pending;
  EXPECT_CALL(registrar_, registerRecord(_, _, _)).WillOnce(SaveArg<2>(&pending));
  std::optional<HttpReply> answer;
  service_.registerName(kBody, [&answer](HttpReply reply) { answer = std::move(reply); });
  EXPECT_FALSE(answer);
  ASSERT_TRUE(pending);
  pending(Status::ok());
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 201);
}

TEST_F(FibonacciServiceTest, BadBodiesAre400WithoutCallingTheAs) {
  for (const char* bad : {"", "{}", "[]", "{\"hostname\":1}", "not json"}) {
    const HttpReply reply = registerNow(bad);
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_EQ(reply.body.find('\n'), std::string::npos);
  }
}

TEST_F(FibonacciServiceTest, BodyOver4KiBIs413WithoutParsing) {
  const std::string big(4097, ' ');
  const HttpReply reply = registerNow(big);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.body.find('\n'), std::string::npos);
  EXPECT_THAT(reply.body, HasSubstr("4096"));
}

}  // namespace
}  // namespace fibdns::http
