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

  // Sends one framed A query (foo.com) with this ID.
  bool sendQuery(std::uint8_t id_high = 0xab, std::uint8_t id_low = 0xcd) {
    const std::uint8_t query[] = {0, 25, id_high, id_low, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                  3, 'f', 'o', 'o', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    return ::send(fd_, query, sizeof query, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof query);
  }

  // The next framed message's first two payload bytes (the DNS ID), or -1 after a second.
  int nextMessageId() {
    std::uint8_t frame[2];
    if (!readExactly(frame, 2)) {
      return -1;
    }
    std::vector<std::uint8_t> message((std::size_t{frame[0]} << 8) | frame[1]);
    if (message.size() < 2 || !readExactly(message.data(), message.size())) {
      return -1;
    }
    return (message[0] << 8) | message[1];
  }

  // Sends one framed A query (foo.com); true when a reply with the same ID arrives within a
  // second.
  bool queryAnswered() {
    if (!sendQuery()) {
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
  bool readExactly(std::uint8_t* out, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 1000) != 1) {
        return false;
      }
      const ssize_t n = ::recv(fd_, out + got, size - got, 0);
      if (n <= 0) {
        return false;
      }
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  int fd_;
};

class TcpServerTest : public ::testing::Test {
 protected:
  void start(TcpServer::Options options, TcpService::Handler handler = {}) {
    auto address = SocketAddress::fromIp("127.0.0.1", 0);
    auto server = TcpServer::listen(*address, options);
    ASSERT_TRUE(server.isOk()) << server.status().message();
    port_ = (*server)->port();
    std::vector<std::unique_ptr<TcpServer>> servers;
    servers.push_back(std::move(*server));
    service_ = std::make_unique<TcpService>(
        std::move(servers), handler ? std::move(handler) : TcpService::respondWith(responder_),
        publisher_);
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
  ASSERT_TRUE(first.queryAnswered());  // before second's query: first is the idlest
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

TEST_F(TcpServerTest, AHandlerMaySendSeveralMessagesOrAnswerLaterInOrder) {
  std::vector<std::thread> later;
  start({}, [&](std::span<const std::uint8_t> message, const authority::RecordCache&,
                TcpServer::Reply& reply, const TcpService::Deliver& deliver) {
    const std::vector<std::uint8_t> id(message.begin(), message.begin() + 2);
    if (message[0] == 0x01) {  // three messages at once, as a zone transfer does
      for (int i = 0; i < 3; ++i) {
        reply.send(id);
      }
    } else if (message[0] == 0x02) {  // later, from another thread
      const std::uint64_t token = reply.defer();
      later.emplace_back([deliver, token, id] {
        std::this_thread::sleep_for(100ms);
        deliver(token, {id});
      });
    } else {
      reply.send(id);
    }
  });
  Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.sendQuery(0x01, 0x01));
  ASSERT_TRUE(client.sendQuery(0x02, 0x02));  // deferred...
  ASSERT_TRUE(client.sendQuery(0x03, 0x03));  // ...so this one waits behind it
  EXPECT_EQ(client.nextMessageId(), 0x0101);
  EXPECT_EQ(client.nextMessageId(), 0x0101);
  EXPECT_EQ(client.nextMessageId(), 0x0101);
  EXPECT_EQ(client.nextMessageId(), 0x0202);
  EXPECT_EQ(client.nextMessageId(), 0x0303);
  for (auto& thread : later) {
    thread.join();
  }
}

}  // namespace
}  // namespace fibdns::engine
