// The upstream event loop on real loopback sockets (port 0): a component test, labelled
// integration. Every wait is bounded.
#include "fibdns/upstream/upstream_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "fibdns/upstream/async_clients.h"

namespace fibdns::upstream {
namespace {

using std::chrono::milliseconds;

/// A loopback socket on a free port (UDP, or TCP listening).
class Loopback {
 public:
  explicit Loopback(int type) : fd_(::socket(AF_INET, type | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (type == SOCK_STREAM) {
      EXPECT_EQ(::listen(fd_, 8), 0);
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Loopback() { close(); }
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

class UpstreamLoopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(initCurl().isOk()); }
  void SetUp() override { ASSERT_TRUE(loop_.start().isOk()); }

  /// Runs `start` on the loop and waits (bounded) for the value it completes with.
  template <typename T>
  T runOnLoop(std::function<void(std::function<void(T)>)> start) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    EXPECT_TRUE(loop_.post(
        [start, promise] { start([promise](T value) { promise->set_value(std::move(value)); }); }));
    EXPECT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return future.get();
  }

  Result<std::string> exchange(std::uint16_t port, UdpExchangeOptions options) {
    return runOnLoop<Result<std::string>>([this, port, options](auto done) {
      loop_.exchangeUdp({"127.0.0.1", port}, "TYPE=A\nNAME=x.example\n", options, done);
    });
  }

  UpstreamLoop loop_;
  const AllowList loopback_ = *AllowList::parse("127.0.0.0/8,::1");
};

TEST_F(UpstreamLoopTest, UdpExchangeGetsTheReply) {
  Loopback as(SOCK_DGRAM);
  std::thread answer([&as] {
    pollfd waiter{as.fd(), POLLIN, 0};
    if (::poll(&waiter, 1, 2000) <= 0) {
      return;
    }
    char buffer[512];
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    const ssize_t n =
        ::recvfrom(as.fd(), buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &length);
    const std::string reply =
        "echo:" + std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0U);
    ::sendto(as.fd(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
  });
  auto reply = exchange(as.port(), {milliseconds(1000), 1});
  answer.join();
  ASSERT_TRUE(reply) << reply.status().message();
  EXPECT_EQ(*reply, "echo:TYPE=A\nNAME=x.example\n");
}

TEST_F(UpstreamLoopTest, SilentPeerIsDeadlineExceededAfterEveryAttempt) {
  Loopback silent(SOCK_DGRAM);
  const auto start = std::chrono::steady_clock::now();
  auto reply = exchange(silent.port(), {milliseconds(100), 3});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.status().code(), StatusCode::DeadlineExceeded);
  EXPECT_EQ(reply.status().message(),
            "no reply from 127.0.0.1:" + std::to_string(silent.port()) + " after 3 attempts");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // Three datagrams arrived: one per attempt.
  int datagrams = 0;
  char buffer[512];
  while (::recv(silent.fd(), buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    ++datagrams;
  }
  EXPECT_EQ(datagrams, 3);
}

TEST_F(UpstreamLoopTest, ClosedPortFailsFastAsPortUnreachable) {
  std::uint16_t closed = 0;
  {
    Loopback gone(SOCK_DGRAM);
    closed = gone.port();
  }
  const auto start = std::chrono::steady_clock::now();
  auto reply = exchange(closed, {milliseconds(2000), 2});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.status().code(), StatusCode::DeadlineExceeded);
  EXPECT_NE(reply.status().message().find("port unreachable"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(UpstreamLoopTest, ManyExchangesWaitTogether) {
  Loopback silent(SOCK_DGRAM);
  std::vector<std::future<Result<std::string>>> replies;
  std::vector<std::shared_ptr<std::promise<Result<std::string>>>> promises;
  for (int i = 0; i < 100; ++i) {
    auto promise = std::make_shared<std::promise<Result<std::string>>>();
    replies.push_back(promise->get_future());
    ASSERT_TRUE(loop_.post([this, promise, port = silent.port()] {
      loop_.exchangeUdp({"127.0.0.1", port}, "x", {milliseconds(200), 1},
                        [promise](Result<std::string> r) { promise->set_value(std::move(r)); });
    }));
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto& reply : replies) {
    ASSERT_EQ(reply.wait_for(std::chrono::seconds(3)), std::future_status::ready);
    EXPECT_EQ(reply.get().status().code(), StatusCode::DeadlineExceeded);
  }
  // All 100 timed out together (about 200 ms), not one after another (20 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

/// Serves one HTTP connection with `response` on its own thread.
class OneShotHttp {
 public:
  explicit OneShotHttp(std::string response) : listener_(SOCK_STREAM) {
    thread_ = std::thread([this, response = std::move(response)] {
      pollfd waiter{listener_.fd(), POLLIN, 0};
      if (::poll(&waiter, 1, 3000) <= 0) {
        return;
      }
      const int client = ::accept(listener_.fd(), nullptr, nullptr);
      char buffer[2048];
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 2000) > 0) {
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        request_.assign(buffer, n > 0 ? static_cast<std::size_t>(n) : 0U);
      }
      if (!response.empty()) {
        ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
      } else {
        ::poll(&readable, 1, 1500);  // say nothing: the client times out
      }
      ::close(client);
    });
  }
  ~OneShotHttp() { thread_.join(); }
  std::uint16_t port() const { return listener_.port(); }
  const std::string& request() const { return request_; }

 private:
  Loopback listener_;
  std::string request_;
  std::thread thread_;
};

TEST_F(UpstreamLoopTest, HttpGetReturnsStatusBodyAndContentType) {
  Result<HttpGetResponse> response = internalError("not run");
  {
    OneShotHttp fs(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n"
        "Connection: close\r\n\r\nbad one");
    const std::string url = "http://127.0.0.1:" + std::to_string(fs.port()) + "/fibonacci?number=x";
    response = runOnLoop<Result<HttpGetResponse>>(
        [this, url](auto done) { loop_.httpGet(url, HttpGetOptions{}, done); });
  }
  ASSERT_TRUE(response) << response.status().message();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "bad one");
  EXPECT_EQ(response->content_type, "text/plain");
}

TEST_F(UpstreamLoopTest, HttpBodyOverTheLimitIsUnavailable) {
  OneShotHttp fs("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" +
                 std::string(5000, '7'));
  HttpGetOptions options;
  options.max_body = 4096;
  const std::string url = "http://127.0.0.1:" + std::to_string(fs.port()) + "/";
  auto response = runOnLoop<Result<HttpGetResponse>>(
      [this, url, options](auto done) { loop_.httpGet(url, options, done); });
  ASSERT_FALSE(response);
  EXPECT_EQ(response.status().code(), StatusCode::Unavailable);
  EXPECT_NE(response.status().message().find("longer than 4096"), std::string::npos);
}

TEST_F(UpstreamLoopTest, HttpTimeoutIsDeadlineExceeded) {
  OneShotHttp fs("");  // accepts, reads, never answers
  HttpGetOptions options;
  options.total_timeout = milliseconds(300);
  const std::string url = "http://127.0.0.1:" + std::to_string(fs.port()) + "/";
  auto response = runOnLoop<Result<HttpGetResponse>>(
      [this, url, options](auto done) { loop_.httpGet(url, options, done); });
  ASSERT_FALSE(response);
  EXPECT_EQ(response.status().code(), StatusCode::DeadlineExceeded);
}

TEST_F(UpstreamLoopTest, HttpRefusedIsUnavailable) {
  std::uint16_t closed = 0;
  {
    Loopback gone(SOCK_STREAM);
    closed = gone.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(closed) + "/";
  auto response = runOnLoop<Result<HttpGetResponse>>(
      [this, url](auto done) { loop_.httpGet(url, HttpGetOptions{}, done); });
  ASSERT_FALSE(response);
  EXPECT_EQ(response.status().code(), StatusCode::Unavailable);
}

TEST_F(UpstreamLoopTest, ResolveAllowedChecksLiteralsAndNames) {
  auto resolve = [this](const std::string& host) {
    return runOnLoop<Result<IpAddress>>(
        [this, host](auto done) { loop_.resolveAllowed(host, loopback_, done); });
  };
  auto inside = resolve("127.0.0.5");
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->toString(), "127.0.0.5");
  auto outside = resolve("10.1.2.3");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.status().code(), StatusCode::PermissionDenied);
  EXPECT_EQ(outside.status().message(), "10.1.2.3 is outside the allowed upstream ranges");
  // /etc/hosts, through c-ares (a name that needs DNS would send traffic off this machine).
  auto localhost = resolve("localhost");
  ASSERT_TRUE(localhost) << localhost.status().message();
  EXPECT_TRUE(loopback_.allows(*localhost));
}

TEST_F(UpstreamLoopTest, StopCompletesWhatIsInFlightAndRefusesNewWork) {
  Loopback silent(SOCK_DGRAM);
  auto promise = std::make_shared<std::promise<Result<std::string>>>();
  auto future = promise->get_future();
  std::promise<void> started;
  ASSERT_TRUE(loop_.post([this, promise, &started, port = silent.port()] {
    loop_.exchangeUdp({"127.0.0.1", port}, "x", {milliseconds(10000), 1},
                      [promise](Result<std::string> r) { promise->set_value(std::move(r)); });
    started.set_value();
  }));
  started.get_future().wait();
  loop_.stop();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  const auto result = future.get();
  EXPECT_EQ(result.status().code(), StatusCode::FailedPrecondition);
  EXPECT_FALSE(loop_.post([] {}));
}

TEST_F(UpstreamLoopTest, ClientsAnswerShuttingDownAfterStop) {
  loop_.stop();
  const UdpDnsClient dns(loop_, loopback_, {});
  std::optional<Result<http::Resolution>> answer;
  dns.resolve({"127.0.0.1", 53533}, "x.example",
              [&answer](Result<http::Resolution> r) { answer = std::move(r); });
  ASSERT_TRUE(answer);  // at once, on this thread
  EXPECT_EQ(answer->status().code(), StatusCode::FailedPrecondition);
}

}  // namespace
}  // namespace fibdns::upstream
