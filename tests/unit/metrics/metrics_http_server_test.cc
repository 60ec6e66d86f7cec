// The standalone /metrics server on real loopback sockets (port 0): a component test.
#include "fibdns/metrics/metrics_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "fibdns/metrics/exposition.h"

namespace fibdns::metrics {
namespace {

/// Connects to ip:port, sends `request`, reads until EOF (bounded by 3 s). "" when it could not
/// connect.
std::string roundTrip(const std::string& ip, std::uint16_t port, const std::string& request) {
  const bool v6 = ip.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return "";
  }
  int connected = -1;
  if (v6) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &address.sin6_addr);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }
  std::string reply;
  if (connected == 0 && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) >= 0) {
    char buffer[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd waiter{fd, POLLIN, 0};
      if (::poll(&waiter, 1, 100) <= 0) {
        continue;
      }
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        break;
      }
      reply.append(buffer, static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return reply;
}

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void startOn(const std::string& ip) {
    MetricsHttpServerOptions options;
    options.listen = ListenAddress{*IpAddress::parse(ip), 0};
    options.client_timeout = std::chrono::milliseconds(300);
    server_ = std::make_unique<MetricsHttpServer>([this] { return exposition_.render(); }, options);
    const Status status = server_->start();
    ASSERT_TRUE(status.isOk()) << status.message();
    ASSERT_NE(server_->port(), 0);
  }

  Exposition exposition_{"as"};
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, ServesTheExpositionOnIpv4) {
  auto& counter = prometheus::BuildCounter()
                      .Name("fibdns_test_things_total")
                      .Help("Things.")
                      .Register(exposition_.registry())
                      .Add({});
  counter.Increment(5);
  startOn("127.0.0.1");
  const std::string reply =
      roundTrip("127.0.0.1", server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << reply;
  EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(reply.find("\nfibdns_test_things_total 5\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\nprocess_open_fds "), std::string::npos);
  const auto body_at = reply.find("\r\n\r\n") + 4;
  EXPECT_NE(reply.find("Content-Length: " + std::to_string(reply.size() - body_at) + "\r\n"),
            std::string::npos);
}

TEST_F(MetricsHttpServerTest, ServesOnIpv6Loopback) {
  startOn("::1");
  const std::string reply = roundTrip("::1", server_->port(), "GET /metrics/ HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << reply;
  EXPECT_NE(reply.find("fibdns_build_info{server=\"as\""), std::string::npos);
}

TEST_F(MetricsHttpServerTest, AnswersErrorsInOneLine) {
  startOn("127.0.0.1");
  const std::uint16_t port = server_->port();
  const std::string not_found = roundTrip("127.0.0.1", port, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(not_found.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U) << not_found;
  const std::string post = roundTrip("127.0.0.1", port, "POST /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0U) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  const std::string garbage = roundTrip("127.0.0.1", port, "\x16\x03\x01 hello\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U) << garbage;
  const std::string head = roundTrip("127.0.0.1", port, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "");
  const std::string huge = roundTrip("127.0.0.1", port, "GET /" + std::string(9000, 'a'));
  EXPECT_EQ(huge.rfind("HTTP/1.1 431 ", 0), 0U) << huge.substr(0, 80);
  EXPECT_EQ(server_->requestsServedForTest(), 5U);
}

TEST_F(MetricsHttpServerTest, ASilentClientIsDroppedAndOthersAreServed) {
  startOn("127.0.0.1");
  // An incomplete head: the server gives up after client_timeout (300 ms), then serves the next.
  const std::string silent = roundTrip("127.0.0.1", server_->port(), "GET /metrics HTTP/1.1\r\n");
  EXPECT_EQ(silent, "");
  const std::string next = roundTrip("127.0.0.1", server_->port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
}

TEST_F(MetricsHttpServerTest, RenderExceptionIsA500) {
  MetricsHttpServerOptions options;
  options.listen = ListenAddress{*IpAddress::parse("127.0.0.1"), 0};
  MetricsHttpServer server([]() -> std::string { throw std::runtime_error("boom"); }, options);
  ASSERT_TRUE(server.start().isOk());
  const std::string reply = roundTrip("127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 500 ", 0), 0U) << reply;
}

TEST_F(MetricsHttpServerTest, StopIsPromptIdempotentAndFreesThePort) {
  startOn("127.0.0.1");
  const std::uint16_t port = server_->port();
  const auto before = std::chrono::steady_clock::now();
  server_->stop();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));
  EXPECT_EQ(roundTrip("127.0.0.1", port, "GET /metrics HTTP/1.1\r\n\r\n"), "");
}

TEST_F(MetricsHttpServerTest, BindFailureIsAStatus) {
  startOn("127.0.0.1");
  MetricsHttpServerOptions options;
  options.listen = ListenAddress{*IpAddress::parse("127.0.0.1"), server_->port()};
  MetricsHttpServer second([] { return std::string(); }, options);
  const Status status = second.start();
  EXPECT_EQ(status.code(), StatusCode::Unavailable);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos)
      << status.message();
}

TEST_F(MetricsHttpServerTest, OutputPassesPromtool) {
  auto& family = prometheus::BuildHistogram()
                     .Name("fibdns_test_latency_seconds")
                     .Help("Latency.")
                     .Register(exposition_.registry());
  family.Add({{"upstream", "as"}}, latencyBuckets()).Observe(0.01);
  const std::string text = exposition_.render();
  FILE* pipe = ::popen("promtool check metrics >/dev/null 2>&1", "w");
  ASSERT_NE(pipe, nullptr);
  std::fwrite(text.data(), 1, text.size(), pipe);
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << "promtool rejected:\n" << text;
}

}  // namespace
}  // namespace fibdns::metrics
