// Component test of UdpLabClient against fake ASes on 127.0.0.1 port 0 (real sockets, so it is
// labelled integration, not unit). Bounded: every wait has a timeout.
#include "fibdns/net/udp_lab_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <variant>

namespace fibdns::net {
namespace {

using std::chrono::milliseconds;

/// A UDP socket bound to 127.0.0.1 on a free port.
class BoundSocket {
 public:
  BoundSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~BoundSocket() { ::close(fd_); }
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

/// Serves `datagrams` requests on `socket` (each bounded by 2 s) with `respond(index, request,
/// peer)`, on its own thread, joined by the destructor.
class FakeAs {
 public:
  using Respond =
      std::function<void(int index, const std::string& request, const sockaddr_in& peer)>;
  FakeAs(BoundSocket& socket, int datagrams, Respond respond)
      : thread_([&socket, datagrams, respond] {
          for (int i = 0; i < datagrams; ++i) {
            pollfd waiter{socket.fd(), POLLIN, 0};
            if (::poll(&waiter, 1, 2000) <= 0) {
              return;
            }
            char buffer[2048];
            sockaddr_in peer{};
            socklen_t length = sizeof peer;
            const ssize_t n = ::recvfrom(socket.fd(), buffer, sizeof buffer, 0,
                                         reinterpret_cast<sockaddr*>(&peer), &length);
            if (n < 0) {
              return;
            }
            respond(i, std::string(buffer, static_cast<std::size_t>(n)), peer);
          }
        }) {}
  ~FakeAs() { thread_.join(); }

 private:
  std::thread thread_;
};

void sendFrom(int fd, const std::string& text, const sockaddr_in& peer) {
  ASSERT_GE(::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&peer),
                     sizeof peer),
            0);
}

TEST(UdpLabClient, QueryGetsTheParsedAnswer) {
  BoundSocket as;
  std::string seen;
  {
    FakeAs fake(as, 1, [&](int, const std::string& request, const sockaddr_in& peer) {
      seen = request;
      sendFrom(as.fd(), "TYPE=A\nNAME=fibonacci.com\nVALUE=10.0.0.7\nTTL=30\n", peer);
    });
    const UdpLabClient client({milliseconds(500), 2});
    auto reply = client.query({"127.0.0.1", as.port()}, "fibonacci.com");
    ASSERT_TRUE(reply) << reply.status().message();
    const auto* answer = std::get_if<dns::lab::Answer>(&*reply);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(answer->record.address.toString(), "10.0.0.7");
    EXPECT_EQ(answer->record.ttl, 30U);
  }
  EXPECT_EQ(seen, "TYPE=A\nNAME=fibonacci.com\n");
}

TEST(UdpLabClient, RetriesAfterALostDatagram) {
  BoundSocket as;
  FakeAs fake(as, 2, [&](int index, const std::string&, const sockaddr_in& peer) {
    if (index == 1) {  // the first request is "lost"
      sendFrom(as.fd(), "NOT FOUND!", peer);
    }
  });
  const UdpLabClient client({milliseconds(100), 2});
  auto reply = client.query({"127.0.0.1", as.port()}, "x.com");
  ASSERT_TRUE(reply) << reply.status().message();
  EXPECT_TRUE(std::holds_alternative<dns::lab::NotFoundReply>(*reply));
}

TEST(UdpLabClient, IgnoresRepliesFromAnotherAddress) {
  BoundSocket as;
  BoundSocket impostor;
  FakeAs fake(as, 1, [&](int, const std::string&, const sockaddr_in& peer) {
    sendFrom(impostor.fd(), "NOT FOUND!", peer);  // right client, wrong source port
  });
  const UdpLabClient client({milliseconds(150), 1});
  auto reply = client.query({"127.0.0.1", as.port()}, "x.com");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.status().code(), StatusCode::DeadlineExceeded);
}

TEST(UdpLabClient, ClosedPortIsDeadlineExceededWithoutWaitingOutTheTimeouts) {
  std::uint16_t closed_port = 0;
  {
    BoundSocket gone;
    closed_port = gone.port();
  }
  const UdpLabClient client({milliseconds(2000), 2});
  const auto start = std::chrono::steady_clock::now();
  auto reply = client.exchange({"127.0.0.1", closed_port}, "TYPE=A\nNAME=x.com\n");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.status().code(), StatusCode::DeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST(UdpLabClient, NotAnIpLiteralIsInvalidArgument) {
  const UdpLabClient client;
  for (const char* ip : {"fibonacci.com", "[::1]", "1.2.3", ""}) {
    auto reply = client.exchange({ip, 53533}, "x");
    ASSERT_FALSE(reply) << ip;
    EXPECT_EQ(reply.status().code(), StatusCode::InvalidArgument) << ip;
  }
}

TEST(UdpLabClient, TalksToAnAsOnIpv6Loopback) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::string seen;
  std::thread as([fd, &seen] {
    pollfd waiter{fd, POLLIN, 0};
    if (::poll(&waiter, 1, 2000) <= 0) {
      return;
    }
    char buffer[2048];
    sockaddr_in6 peer{};
    socklen_t peer_length = sizeof peer;
    const ssize_t n =
        ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (n > 0) {
      seen.assign(buffer, static_cast<std::size_t>(n));
      const std::string answer = "TYPE=A\nNAME=six.example\nVALUE=10.6.6.6\nTTL=60\n";
      ::sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&peer),
               peer_length);
    }
  });
  const UdpLabClient client({milliseconds(1000), 1});
  auto reply = client.query({"::1", ntohs(address.sin6_port)}, "six.example");
  as.join();
  ::close(fd);
  EXPECT_EQ(seen, "TYPE=A\nNAME=six.example\n");
  ASSERT_TRUE(reply) << reply.status().message();
  const auto* answer = std::get_if<dns::lab::Answer>(&*reply);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->record.address.toString(), "10.6.6.6");
}

TEST(UdpLabClient, DescribesEndpointsOfBothFamilies) {
  EXPECT_EQ(describe({"10.0.0.1", 53533}), "10.0.0.1:53533");
  EXPECT_EQ(describe({"::1", 53}), "[::1]:53");
}

}  // namespace
}  // namespace fibdns::net
