#include "fibdns/engine/tcp_server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fibdns/engine/tcp_service.h"

namespace fibdns::engine {
namespace {

using namespace std::chrono_literals;

// A client connection from a chosen loopback source address.
class Client {
 public:
  Client(const char* source_ip, std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_ip, &source.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source), 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server), 0);
  }
  ~Client() { ::close(fd_); }

  // True when the server closed the connection (EOF or reset) within `timeout`.
  bool closedByServer(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      return false;
    }
    char byte;
    return ::recv(fd_, &byte, 1, 0) <= 0;
  }

  // Sends one framed A query (foo.com); true when a reply with the same ID arrives within a
  // second.
  bool queryAnswered() {
    const std::uint8_t query[] = {0, 25, 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                  3, 'f', 'o', 'o', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    if (::send(fd_, query, sizeof query, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof query)) {
      return false;
    }
    std::uint8_t reply[512];
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) {
      return false;
    }
    const ssize_t got = ::recv(fd_, reply, sizeof reply, 0);
    return got >= 4 && reply[2] == 0xab && reply[3] == 0xcd;
  }

 private:
  int fd_;
};

class TcpServerTest : public ::testing::Test {
 protected:
  void start(TcpServer::Options options) {
    auto address = SocketAddress::fromIp("127.0.0.1", 0);
    auto server = TcpServer::listen(*address, options);
    ASSERT_TRUE(server.isOk()) << server.status().message();
    port_ = (*server)->port();
    std::vector<std::unique_ptr<TcpServer>> servers;
    servers.push_back(std::move(*server));
    service_ = std::make_unique<TcpService>(std::move(servers), responder_, publisher_);
    service_->start();
  }

  authority::DnsResponder responder_ = authority::DnsResponder::create({}).value();
  SnapshotPublisher publisher_{std::make_shared<const authority::RecordCache>()};
  std::unique_ptr<TcpService> service_;
  std::uint16_t port_ = 0;
};

TEST_F(TcpServerTest, AClientBeyondItsCapClosesItsOwnIdlestConnection) {
  start({.max_connections = 100, .max_per_client = 2, .idle_timeout = 10s});
  Client first("127.0.0.1", port_);
  ASSERT_TRUE(first.queryAnswered());
  std::this_thread::sleep_for(20ms);
  Client second("127.0.0.1", port_);
  ASSERT_TRUE(second.queryAnswered());
  Client third("127.0.0.1", port_);  // over the cap of 2: `first` is the idlest

  EXPECT_TRUE(third.queryAnswered());
  EXPECT_TRUE(first.closedByServer(1s));
  EXPECT_TRUE(second.queryAnswered());
}

TEST_F(TcpServerTest, AnotherClientIsAnsweredWhileOneHoardsConnections) {
  start({.max_connections = 8, .max_per_client = 4, .idle_timeout = 10s});
  std::vector<std::unique_ptr<Client>> hoard;
  for (int i = 0; i < 50; ++i) {
    hoard.push_back(std::make_unique<Client>("127.0.0.1", port_));
  }
  Client other("127.0.0.2", port_);
  EXPECT_TRUE(other.queryAnswered());
  Client hoarder_again("127.0.0.1", port_);
  EXPECT_TRUE(hoarder_again.queryAnswered());
}

TEST_F(TcpServerTest, TheIdleTimeoutShrinksAboveHalfTheCap) {
  start({.max_connections = 4, .max_per_client = 4, .idle_timeout = 5s});
  Client a("127.0.0.1", port_);
  Client b("127.0.0.2", port_);
  Client c("127.0.0.3", port_);  // 3 of 4: above half
  ASSERT_TRUE(c.queryAnswered());
  // 5 s / 10 = 500 ms instead of 5 s.
  EXPECT_TRUE(a.closedByServer(2s));
}

}  // namespace
}  // namespace fibdns::engine
