#include "fibdns/http/user_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "mocks/mock_dns_client.h"
#include "mocks/mock_fibonacci_client.h"

namespace fibdns::http {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

/// A clock the test moves by hand.
class FakeClock : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds by) { now_ += by; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

MATCHER_P2(AsAt, ip, port, "") { return arg.ip == ip && arg.port == port; }

RawUserQuery query(std::string number = "10", std::string hostname = "fibonacci.com") {
  return {std::move(hostname), "9090", std::move(number), "127.0.0.2", "53533"};
}

FibonacciResponse fsReply(int status, std::string body) {
  return {status, std::move(body), "text/plain; charset=utf-8"};
}

class UserServiceTest : public ::testing::Test {
 protected:
  void givenResolution(std::string address, std::uint32_t ttl) {
    EXPECT_CALL(dns_, resolve(AsAt("127.0.0.2", 53533), "fibonacci.com"))
        .WillOnce(Return(Resolution{std::move(address), ttl}));
  }

  StrictMock<MockDnsClient> dns_;
  StrictMock<MockFibonacciClient> fib_;
  FakeClock clock_;
  UserService service_{dns_, fib_, clock_};
};

TEST_F(UserServiceTest, ResolvesThenPassesTheFsAnswerThrough) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "10")).WillOnce(Return(fsReply(200, "55")));
  const HttpReply reply = service_.fibonacci(query());
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "55");
}

TEST_F(UserServiceTest, EachMissingParameterIs400WithoutAnyCall) {
  const RawUserQuery full = query();
  for (int i = 0; i < 5; ++i) {
    RawUserQuery q = full;
    std::optional<std::string>* fields[] = {&q.hostname, &q.fs_port, &q.number, &q.as_ip,
                                            &q.as_port};
    *fields[i] = std::nullopt;
    const HttpReply reply = service_.fibonacci(q);
    EXPECT_EQ(reply.status, 400);
    EXPECT_THAT(reply.body, HasSubstr("missing parameter"));
  }
}

TEST_F(UserServiceTest, InvalidPortsAndAsIpAre400) {
  RawUserQuery q = query();
  q.fs_port = "70000";
  EXPECT_EQ(service_.fibonacci(q).status, 400);
  q = query();
  q.as_port = "abc";
  EXPECT_EQ(service_.fibonacci(q).status, 400);
  q = query();
  q.as_ip = "1.2.3.4.5.6";
  EXPECT_EQ(service_.fibonacci(q).status, 400);
}

TEST_F(UserServiceTest, UnknownHostnameIs404) {
  EXPECT_CALL(dns_, resolve(_, "nope.com"))
      .WillOnce(Return(notFound("hostname not found: nope.com")));
  const HttpReply reply = service_.fibonacci(query("10", "nope.com"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_THAT(reply.body, HasSubstr("nope.com"));
}

TEST_F(UserServiceTest, NoAnswerFromAsIs504) {
  EXPECT_CALL(dns_, resolve(_, _)).WillOnce(Return(deadlineExceeded("no answer")));
  EXPECT_EQ(service_.fibonacci(query()).status, 504);
}

TEST_F(UserServiceTest, UnparsableAnswerIs502) {
  EXPECT_CALL(dns_, resolve(_, _)).WillOnce(Return(unavailable("unparsable answer")));
  EXPECT_EQ(service_.fibonacci(query()).status, 502);
}

TEST_F(UserServiceTest, UnresolvableAsHostIs400) {
  EXPECT_CALL(dns_, resolve(_, _)).WillOnce(Return(invalidArgument("as_ip: cannot resolve")));
  EXPECT_EQ(service_.fibonacci(query()).status, 400);
}

TEST_F(UserServiceTest, FsUnreachableIs502) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, _)).WillOnce(Return(unavailable("connection refused")));
  EXPECT_EQ(service_.fibonacci(query()).status, 502);
}

TEST_F(UserServiceTest, FsTooSlowIs504) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, _)).WillOnce(Return(deadlineExceeded("timeout")));
  EXPECT_EQ(service_.fibonacci(query()).status, 504);
}

TEST_F(UserServiceTest, FsBadRequestIsPassedThrough) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "abc"))
      .WillOnce(Return(fsReply(400, "number is not a decimal integer: 'abc'")));
  const HttpReply reply = service_.fibonacci(query("abc"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "number is not a decimal integer: 'abc'");
}

TEST_F(UserServiceTest, NumberIsDecodedButOtherwiseAsGiven) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, "5 & 6")).WillOnce(Return(fsReply(400, "x")));
  EXPECT_EQ(service_.fibonacci(query("5+%26+6")).status, 400);
}

TEST_F(UserServiceTest, CachedAnswerIsReusedWithinTtl) {
  givenResolution("127.0.0.3", 10);  // exactly once
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "10"))
      .Times(2)
      .WillRepeatedly(Return(fsReply(200, "55")));
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
  clock_.advance(std::chrono::milliseconds(9999));
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
}

TEST_F(UserServiceTest, CacheExpiresAfterTtl) {
  {
    ::testing::InSequence sequence;
    EXPECT_CALL(dns_, resolve(_, "fibonacci.com")).WillOnce(Return(Resolution{"127.0.0.3", 10}));
    EXPECT_CALL(dns_, resolve(_, "fibonacci.com")).WillOnce(Return(Resolution{"127.0.0.5", 10}));
  }
  EXPECT_CALL(fib_, fetch("127.0.0.3", _, _)).WillOnce(Return(fsReply(200, "55")));
  EXPECT_CALL(fib_, fetch("127.0.0.5", _, _)).WillOnce(Return(fsReply(200, "55")));
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
  clock_.advance(std::chrono::seconds(10));
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
}

TEST_F(UserServiceTest, TtlZeroIsNotCached) {
  EXPECT_CALL(dns_, resolve(_, _)).Times(2).WillRepeatedly(Return(Resolution{"127.0.0.3", 0}));
  EXPECT_CALL(fib_, fetch(_, _, _)).Times(2).WillRepeatedly(Return(fsReply(200, "55")));
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
}

TEST_F(UserServiceTest, ErrorsAreNotCached) {
  EXPECT_CALL(dns_, resolve(_, _))
      .WillOnce(Return(notFound("not found")))
      .WillOnce(Return(Resolution{"127.0.0.3", 10}));
  EXPECT_CALL(fib_, fetch(_, _, _)).WillOnce(Return(fsReply(200, "55")));
  EXPECT_EQ(service_.fibonacci(query()).status, 404);
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
}

TEST_F(UserServiceTest, CacheIsKeyedByAsEndpointAndHostname) {
  EXPECT_CALL(dns_, resolve(_, _)).Times(3).WillRepeatedly(Return(Resolution{"127.0.0.3", 10}));
  EXPECT_CALL(fib_, fetch(_, _, _)).Times(4).WillRepeatedly(Return(fsReply(200, "55")));
  RawUserQuery other_port = query();
  other_port.as_port = "53534";
  RawUserQuery other_ip = query();
  other_ip.as_ip = "127.0.0.9";
  EXPECT_EQ(service_.fibonacci(query()).status, 200);
  EXPECT_EQ(service_.fibonacci(other_port).status, 200);
  EXPECT_EQ(service_.fibonacci(other_ip).status, 200);
  EXPECT_EQ(service_.fibonacci(query()).status, 200);  // cached
}

TEST(UserServiceNoCache, ResolvesEveryTime) {
  NiceMock<MockDnsClient> dns;
  NiceMock<MockFibonacciClient> fib;
  FakeClock clock;
  UserService service(dns, fib, clock, UserServiceOptions{false, 10});
  EXPECT_CALL(dns, resolve(_, _)).Times(2).WillRepeatedly(Return(Resolution{"127.0.0.3", 10}));
  ON_CALL(fib, fetch(_, _, _)).WillByDefault(Return(fsReply(200, "55")));
  EXPECT_EQ(service.fibonacci(query()).status, 200);
  EXPECT_EQ(service.fibonacci(query()).status, 200);
}

TEST(DnsCacheTest, BoundedSizeDropsEntries) {
  FakeClock clock;
  DnsCache cache(clock, 2);
  const net::AsEndpoint as{"1.1.1.1", 53};
  cache.put(as, "a.com", Resolution{"1.2.3.4", 10});
  cache.put(as, "b.com", Resolution{"1.2.3.5", 10});
  cache.put(as, "c.com", Resolution{"1.2.3.6", 10});
  EXPECT_LE(cache.size(), 2U);
  EXPECT_EQ(cache.find(as, "c.com"), (Resolution{"1.2.3.6", 10}));
}

TEST(FibonacciUrl, PercentEncodesTheNumber) {
  EXPECT_EQ(buildFibonacciUrl("127.0.0.3", 9090, "10"),
            "http://127.0.0.3:9090/fibonacci?number=10");
  EXPECT_EQ(buildFibonacciUrl("fs.local", 80, "1&x=2 "),
            "http://fs.local:80/fibonacci?number=1%26x%3D2%20");
}

}  // namespace
}  // namespace fibdns::http
