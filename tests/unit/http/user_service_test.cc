#include "fibdns/http/user_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mocks/mock_dns_client.h"
#include "mocks/mock_fibonacci_client.h"

namespace fibdns::http {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::InvokeArgument;
using ::testing::NiceMock;
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

/// Asks the service, for collaborators that complete before returning: the reply, checked to
/// come exactly once.
HttpReply ask(UserService& service, const RawUserQuery& query) {
  std::optional<HttpReply> answer;
  int calls = 0;
  service.fibonacci(query, [&](HttpReply reply) {
    ++calls;
    answer = std::move(reply);
  });
  EXPECT_EQ(calls, 1);
  return answer.value_or(HttpReply{});
}

RawUserQuery query(std::string number = "10", std::string hostname = "fibonacci.com") {
  return {std::move(hostname), "9090", std::move(number), "127.0.0.2", "53533"};
}

FibonacciResponse fsReply(int status, std::string body) {
  return {status, std::move(body), "text/plain; charset=utf-8"};
}

class UserServiceTest : public ::testing::Test {
 protected:
  void givenResolution(std::string address, std::uint32_t ttl) {
    EXPECT_CALL(dns_, resolve(AsAt("127.0.0.2", 53533), "fibonacci.com", _))
        .WillOnce(InvokeArgument<2>(Resolution{std::move(address), ttl}));
  }

  StrictMock<MockDnsClient> dns_;
  StrictMock<MockFibonacciClient> fib_;
  FakeClock clock_;
  UserService service_{dns_, fib_, clock_};
};

TEST_F(UserServiceTest, ResolvesThenPassesTheFsAnswerThrough) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "10", _))
      .WillOnce(InvokeArgument<3>(fsReply(200, "55")));
  const HttpReply reply = ask(service_, query());
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
    const HttpReply reply = ask(service_, q);
    EXPECT_EQ(reply.status, 400);
    EXPECT_THAT(reply.body, HasSubstr("missing parameter"));
  }
}

TEST_F(UserServiceTest, InvalidPortsAndAsIpAre400) {
  RawUserQuery q = query();
  q.fs_port = "70000";
  EXPECT_EQ(ask(service_, q).status, 400);
  q = query();
  q.as_port = "abc";
  EXPECT_EQ(ask(service_, q).status, 400);
  q = query();
  q.as_ip = "1.2.3.4.5.6";
  EXPECT_EQ(ask(service_, q).status, 400);
}

TEST_F(UserServiceTest, UnknownHostnameIs404) {
  EXPECT_CALL(dns_, resolve(_, "nope.com", _))
      .WillOnce(InvokeArgument<2>(notFound("hostname not found: nope.com")));
  const HttpReply reply = ask(service_, query("10", "nope.com"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_THAT(reply.body, HasSubstr("nope.com"));
}

TEST_F(UserServiceTest, NoAnswerFromAsIs504) {
  EXPECT_CALL(dns_, resolve(_, _, _)).WillOnce(InvokeArgument<2>(deadlineExceeded("no answer")));
  EXPECT_EQ(ask(service_, query()).status, 504);
}

TEST_F(UserServiceTest, UnparsableAnswerIs502) {
  EXPECT_CALL(dns_, resolve(_, _, _)).WillOnce(InvokeArgument<2>(unavailable("unparsable answer")));
  EXPECT_EQ(ask(service_, query()).status, 502);
}

TEST_F(UserServiceTest, UnresolvableAsHostIs400) {
  EXPECT_CALL(dns_, resolve(_, _, _))
      .WillOnce(InvokeArgument<2>(invalidArgument("as_ip: cannot resolve")));
  EXPECT_EQ(ask(service_, query()).status, 400);
}

TEST_F(UserServiceTest, FsUnreachableIs502) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, _, _))
      .WillOnce(InvokeArgument<3>(unavailable("connection refused")));
  EXPECT_EQ(ask(service_, query()).status, 502);
}

TEST_F(UserServiceTest, FsTooSlowIs504) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, _, _)).WillOnce(InvokeArgument<3>(deadlineExceeded("timeout")));
  EXPECT_EQ(ask(service_, query()).status, 504);
}

TEST_F(UserServiceTest, FsBadRequestIsPassedThrough) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "abc", _))
      .WillOnce(InvokeArgument<3>(fsReply(400, "number is not a decimal integer: 'abc'")));
  const HttpReply reply = ask(service_, query("abc"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "number is not a decimal integer: 'abc'");
}

TEST_F(UserServiceTest, NumberIsDecodedButOtherwiseAsGiven) {
  givenResolution("127.0.0.3", 10);
  EXPECT_CALL(fib_, fetch(_, _, "5 & 6", _)).WillOnce(InvokeArgument<3>(fsReply(400, "x")));
  EXPECT_EQ(ask(service_, query("5+%26+6")).status, 400);
}

TEST_F(UserServiceTest, CachedAnswerIsReusedWithinTtl) {
  givenResolution("127.0.0.3", 10);  // exactly once
  EXPECT_CALL(fib_, fetch("127.0.0.3", 9090, "10", _))
      .Times(2)
      .WillRepeatedly(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_EQ(ask(service_, query()).status, 200);
  clock_.advance(std::chrono::milliseconds(9999));
  EXPECT_EQ(ask(service_, query()).status, 200);
}

TEST_F(UserServiceTest, CacheExpiresAfterTtl) {
  {
    ::testing::InSequence sequence;
    EXPECT_CALL(dns_, resolve(_, "fibonacci.com", _))
        .WillOnce(InvokeArgument<2>(Resolution{"127.0.0.3", 10}));
    EXPECT_CALL(dns_, resolve(_, "fibonacci.com", _))
        .WillOnce(InvokeArgument<2>(Resolution{"127.0.0.5", 10}));
  }
  EXPECT_CALL(fib_, fetch("127.0.0.3", _, _, _)).WillOnce(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_CALL(fib_, fetch("127.0.0.5", _, _, _)).WillOnce(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_EQ(ask(service_, query()).status, 200);
  clock_.advance(std::chrono::seconds(10));
  EXPECT_EQ(ask(service_, query()).status, 200);
}

TEST_F(UserServiceTest, TtlZeroIsNotCached) {
  EXPECT_CALL(dns_, resolve(_, _, _))
      .Times(2)
      .WillRepeatedly(InvokeArgument<2>(Resolution{"127.0.0.3", 0}));
  EXPECT_CALL(fib_, fetch(_, _, _, _))
      .Times(2)
      .WillRepeatedly(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_EQ(ask(service_, query()).status, 200);
  EXPECT_EQ(ask(service_, query()).status, 200);
}

TEST_F(UserServiceTest, ErrorsAreNotCached) {
  EXPECT_CALL(dns_, resolve(_, _, _))
      .WillOnce(InvokeArgument<2>(notFound("not found")))
      .WillOnce(InvokeArgument<2>(Resolution{"127.0.0.3", 10}));
  EXPECT_CALL(fib_, fetch(_, _, _, _)).WillOnce(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_EQ(ask(service_, query()).status, 404);
  EXPECT_EQ(ask(service_, query()).status, 200);
}

TEST_F(UserServiceTest, CacheIsKeyedByAsEndpointAndHostname) {
  EXPECT_CALL(dns_, resolve(_, _, _))
      .Times(3)
      .WillRepeatedly(InvokeArgument<2>(Resolution{"127.0.0.3", 10}));
  EXPECT_CALL(fib_, fetch(_, _, _, _))
      .Times(4)
      .WillRepeatedly(InvokeArgument<3>(fsReply(200, "55")));
  RawUserQuery other_port = query();
  other_port.as_port = "53534";
  RawUserQuery other_ip = query();
  other_ip.as_ip = "127.0.0.9";
  EXPECT_EQ(ask(service_, query()).status, 200);
  EXPECT_EQ(ask(service_, other_port).status, 200);
  EXPECT_EQ(ask(service_, other_ip).status, 200);
  EXPECT_EQ(ask(service_, query()).status, 200);  // cached
}

TEST(UserServiceNoCache, ResolvesEveryTime) {
  NiceMock<MockDnsClient> dns;
  NiceMock<MockFibonacciClient> fib;
  FakeClock clock;
  UserService service(dns, fib, clock, UserServiceOptions{false, 10, 100});
  EXPECT_CALL(dns, resolve(_, _, _))
      .Times(2)
      .WillRepeatedly(InvokeArgument<2>(Resolution{"127.0.0.3", 10}));
  ON_CALL(fib, fetch(_, _, _, _)).WillByDefault(InvokeArgument<3>(fsReply(200, "55")));
  EXPECT_EQ(ask(service, query()).status, 200);
  EXPECT_EQ(ask(service, query()).status, 200);
}

TEST(FibonacciUrl, PercentEncodesTheNumber) {
  EXPECT_EQ(buildFibonacciUrl("127.0.0.3", 9090, "10"),
            "http://127.0.0.3:9090/fibonacci?number=10");
  EXPECT_EQ(buildFibonacciUrl("fs.local", 80, "1&x=2 "),
            "http://fs.local:80/fibonacci?number=1%26x%3D2%20");
}

TEST(FibonacciUrl, BracketsIpv6Hosts) {
  EXPECT_EQ(buildFibonacciUrl("::1", 9090, "7"), "http://[::1]:9090/fibonacci?number=7");
}

TEST(DnsCacheTest, EvictsTheLeastRecentlyUsed) {
  FakeClock clock;
  DnsCache cache(clock, 2);
  const net::AsEndpoint as{"1.1.1.1", 53};
  cache.put(as, "a.com", Resolution{"1.2.3.4", 10});
  cache.put(as, "b.com", Resolution{"1.2.3.5", 10});
  ASSERT_TRUE(cache.find(as, "a.com"));  // a is now more recent than b
  cache.put(as, "c.com", Resolution{"1.2.3.6", 10});
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_TRUE(cache.find(as, "a.com"));
  EXPECT_FALSE(cache.find(as, "b.com"));
  EXPECT_TRUE(cache.find(as, "c.com"));
}

TEST(DnsCacheTest, UpdatingAnEntryDoesNotEvict) {
  FakeClock clock;
  DnsCache cache(clock, 2);
  const net::AsEndpoint as{"1.1.1.1", 53};
  cache.put(as, "a.com", Resolution{"1.2.3.4", 10});
  cache.put(as, "b.com", Resolution{"1.2.3.5", 10});
  cache.put(as, "a.com", Resolution{"1.2.3.9", 10});
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.find(as, "a.com"), (Resolution{"1.2.3.9", 10}));
  EXPECT_TRUE(cache.find(as, "b.com"));
}

TEST(DnsCacheTest, ExpiredEntriesAreDroppedOnLookup) {
  FakeClock clock;
  DnsCache cache(clock, 4);
  const net::AsEndpoint as{"1.1.1.1", 53};
  cache.put(as, "a.com", Resolution{"1.2.3.4", 5});
  clock.advance(std::chrono::seconds(5));
  EXPECT_FALSE(cache.find(as, "a.com"));
  EXPECT_EQ(cache.size(), 0U);
}

/// Fakes that keep every call and complete it only when the test says so, in any order.
class DeferredDns : public DnsClient {
 public:
  struct Call {
    net::AsEndpoint as;
    std::string hostname;
    ResolutionCallback done;
  };
  void resolve(const net::AsEndpoint& as, const std::string& hostname,
               ResolutionCallback done) const override {
    calls.push_back(Call{as, hostname, std::move(done)});
  }
  mutable std::vector<Call> calls;
};

class DeferredFs : public FibonacciClient {
 public:
  struct Call {
    std::string host;
    std::string number;
    FibonacciCallback done;
  };
  void fetch(const std::string& host, std::uint16_t /*port*/, const std::string& number,
             FibonacciCallback done) const override {
    calls.push_back(Call{host, number, std::move(done)});
  }
  mutable std::vector<Call> calls;
};

class AsyncUserServiceTest : public ::testing::Test {
 protected:
  /// Starts a request; its reply lands in replies_[index] when it comes.
  std::size_t start(const RawUserQuery& q) {
    const std::size_t index = replies_.size();
    replies_.emplace_back();
    service_.fibonacci(q, [this, index](HttpReply reply) {
      EXPECT_FALSE(replies_[index]) << "request " << index << " answered twice";
      replies_[index] = std::move(reply);
    });
    return index;
  }

  DeferredDns dns_;
  DeferredFs fs_;
  FakeClock clock_;
  std::vector<std::string> events_;
  UserServiceHooks hooks_{[this](double, StatusCode code) {
                            events_.push_back(std::string("as:") + statusCodeName(code));
                          },
                          [this](double, StatusCode code) {
                            events_.push_back(std::string("fs:") + statusCodeName(code));
                          },
                          [this] { events_.emplace_back("hit"); },
                          [this] { events_.emplace_back("miss"); },
                          [this] { events_.emplace_back("coalesced"); }};
  UserService service_{dns_, fs_, clock_, UserServiceOptions{true, 100, 3}, hooks_};
  std::vector<std::optional<HttpReply>> replies_;
};

TEST_F(AsyncUserServiceTest, AnswersOnlyWhenBothUpstreamsHaveAnswered) {
  const std::size_t r = start(query("10"));
  ASSERT_EQ(dns_.calls.size(), 1U);
  EXPECT_FALSE(replies_[r]);
  EXPECT_EQ(service_.pending(), 1U);
  dns_.calls[0].done(Resolution{"127.0.0.3", 10});
  ASSERT_EQ(fs_.calls.size(), 1U);
  EXPECT_FALSE(replies_[r]);
  fs_.calls[0].done(fsReply(200, "55"));
  ASSERT_TRUE(replies_[r]);
  EXPECT_EQ(replies_[r]->body, "55");
  EXPECT_EQ(service_.pending(), 0U);
  EXPECT_EQ(events_, (std::vector<std::string>{"miss", "as:Ok", "fs:Ok"}));
}

TEST_F(AsyncUserServiceTest, OutOfOrderCompletionsReachTheirOwnRequests) {
  const std::size_t a = start(query("10", "a.com"));
  const std::size_t b = start(query("11", "b.com"));
  ASSERT_EQ(dns_.calls.size(), 2U);
  dns_.calls[1].done(Resolution{"127.0.0.5", 10});  // b's AS answer first
  dns_.calls[0].done(Resolution{"127.0.0.3", 10});
  ASSERT_EQ(fs_.calls.size(), 2U);
  EXPECT_EQ(fs_.calls[0].host, "127.0.0.5");
  EXPECT_EQ(fs_.calls[0].number, "11");
  fs_.calls[1].done(fsReply(200, "55"));  // a's FS answer first
  EXPECT_FALSE(replies_[b]);
  ASSERT_TRUE(replies_[a]);
  EXPECT_EQ(replies_[a]->body, "55");
  fs_.calls[0].done(fsReply(200, "89"));
  ASSERT_TRUE(replies_[b]);
  EXPECT_EQ(replies_[b]->body, "89");
}

TEST_F(AsyncUserServiceTest, ConcurrentMissesShareOneAsQuery) {
  const std::size_t first = start(query("1"));
  const std::size_t second = start(query("2"));
  ASSERT_EQ(dns_.calls.size(), 1U);  // one query for both
  dns_.calls[0].done(Resolution{"127.0.0.3", 10});
  ASSERT_EQ(fs_.calls.size(), 2U);
  fs_.calls[0].done(fsReply(200, "1"));
  fs_.calls[1].done(fsReply(200, "1"));
  EXPECT_TRUE(replies_[first]);
  EXPECT_TRUE(replies_[second]);
  EXPECT_EQ(events_,
            (std::vector<std::string>{"miss", "miss", "coalesced", "as:Ok", "fs:Ok", "fs:Ok"}));
  start(query("3"));  // now cached
  EXPECT_EQ(dns_.calls.size(), 1U);
  EXPECT_EQ(events_.back(), "hit");
}

TEST_F(AsyncUserServiceTest, ASharedFailureReachesEveryWaiterAndIsNotCached) {
  const std::size_t first = start(query("1"));
  const std::size_t second = start(query("2"));
  ASSERT_EQ(dns_.calls.size(), 1U);
  dns_.calls[0].done(deadlineExceeded("no answer from the AS"));
  ASSERT_TRUE(replies_[first]);
  ASSERT_TRUE(replies_[second]);
  EXPECT_EQ(replies_[first]->status, 504);
  EXPECT_EQ(replies_[second]->status, 504);
  start(query("3"));
  EXPECT_EQ(dns_.calls.size(), 2U);  // asked again
}

TEST_F(AsyncUserServiceTest, DifferentAsEndpointsAreNotCoalesced) {
  RawUserQuery other = query();
  other.as_port = "53534";
  start(query());
  start(other);
  EXPECT_EQ(dns_.calls.size(), 2U);
}

TEST_F(AsyncUserServiceTest, BeyondMaxPendingIs503WithRetryAfterAtOnce) {
  for (int i = 0; i < 3; ++i) {
    start(query("1", "h" + std::to_string(i) + ".com"));
  }
  EXPECT_EQ(service_.pending(), 3U);
  const std::size_t rejected = start(query("1", "h9.com"));
  ASSERT_TRUE(replies_[rejected]);
  EXPECT_EQ(replies_[rejected]->status, 503);
  EXPECT_EQ(replies_[rejected]->retry_after, "1");
  EXPECT_EQ(replies_[rejected]->body.find('\n'), std::string::npos);
  EXPECT_EQ(dns_.calls.size(), 3U);                            // nothing sent for it
  dns_.calls[0].done(notFound("hostname not found: h0.com"));  // frees one slot
  EXPECT_EQ(service_.pending(), 2U);
  start(query("1", "h10.com"));
  EXPECT_EQ(dns_.calls.size(), 4U);
}

TEST_F(AsyncUserServiceTest, InvalidRequestsTakeNoSlot) {
  RawUserQuery bad = query();
  bad.as_port = "0";
  for (int i = 0; i < 5; ++i) {
    const std::size_t r = start(bad);
    ASSERT_TRUE(replies_[r]);
    EXPECT_EQ(replies_[r]->status, 400);
  }
  EXPECT_EQ(service_.pending(), 0U);
}

TEST_F(AsyncUserServiceTest, ForbiddenUpstreamIs403) {
  const std::size_t r = start(query());
  dns_.calls[0].done(permissionDenied("8.8.8.8 is outside the allowed upstream ranges"));
  ASSERT_TRUE(replies_[r]);
  EXPECT_EQ(replies_[r]->status, 403);
}

struct RelayCase {
  const char* name;
  FibonacciResponse response;
  int want_status;
  const char* want_body;  // nullptr: any
};

class RelayFibonacciAnswer : public ::testing::TestWithParam<RelayCase> {};

TEST_P(RelayFibonacciAnswer, RelaysOnlyNumbersAndOneLineErrors) {
  const RelayCase& c = GetParam();
  const HttpReply reply = relayFibonacciAnswer(c.response, "127.0.0.3:9090");
  EXPECT_EQ(reply.status, c.want_status) << c.name << ": " << reply.body;
  if (c.want_body != nullptr) {
    EXPECT_EQ(reply.body, c.want_body) << c.name;
  }
  EXPECT_EQ(reply.content_type, kTextPlain) << c.name;
  EXPECT_EQ(reply.body.find('\n'), std::string::npos) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RelayFibonacciAnswer,
    ::testing::Values(
        RelayCase{"number", {200, "55", "text/plain; charset=utf-8"}, 200, "55"},
        RelayCase{"number with newline", {200, "55\n", "text/plain"}, 200, "55"},
        RelayCase{"fs error",
                  {400, "number is too large", "text/plain; charset=utf-8"},
                  400,
                  "number is too large"},
        RelayCase{"fs 503", {503, "busy", "Text/Plain"}, 503, "busy"},
        RelayCase{"html page", {200, "<html>secret</html>", "text/html"}, 502, nullptr},
        RelayCase{"html as text", {200, "<html>secret</html>", "text/plain"}, 502, nullptr},
        RelayCase{"json", {200, "{\"a\":1}", "application/json"}, 502, nullptr},
        RelayCase{"no content type", {200, "55", ""}, 502, nullptr},
        RelayCase{"empty number", {200, "", "text/plain"}, 502, nullptr},
        RelayCase{"negative", {200, "-5", "text/plain"}, 502, nullptr},
        RelayCase{"multi-line error", {404, "a\nb", "text/plain"}, 502, nullptr},
        RelayCase{"long error", {400, std::string(600, 'x'), "text/plain"}, 502, nullptr},
        RelayCase{"empty error", {500, "", "text/plain"}, 502, nullptr},
        RelayCase{"redirect", {302, "moved", "text/plain"}, 502, nullptr},
        RelayCase{"created", {201, "55", "text/plain"}, 502, nullptr}));

}  // namespace
}  // namespace fibdns::http
