// Standard DNS against the real authoritative-server binary, asked by the real `dig`
// (bind9-dnsutils), over UDP and TCP, on its own loopback address (127.0.0.5).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "integration/support/process.h"

namespace fibdns::testing {
namespace {

const std::string kAsIp = "127.0.0.5";

class DnsDigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freeUdpPort(kAsIp);
    server_ = std::make_unique<ChildProcess>(
        binaryPath("authoritative-server"),
        std::vector<std::string>{"--bind", kAsIp, "--port", std::to_string(port_), "--db",
                                 dir_.path() + "/records.db", "--zone", "fib.test,example.org",
                                 "--ns-name", "ns1.fib.test"},
        dir_.path() + "/as.log");
    ASSERT_FALSE(waitForUdpReply(kAsIp, port_, "TYPE=A\nNAME=ready.check\n").empty())
        << server_->log();
    ASSERT_EQ(
        udpExchange(kAsIp, port_, "TYPE=A\nNAME=fibonacci.fib.test\nVALUE=10.0.0.5\nTTL=10\n"),
        "Registration Succeeded!");
  }

  // dig with a bounded wait and one try; returns its whole output.
  std::string dig(const std::string& args) {
    return runCommand("dig @" + kAsIp + " -p " + std::to_string(port_) + " +time=2 +tries=1 " +
                      args + " 2>&1");
  }

  static bool has(const std::string& text, const std::string& pattern) {
    return std::regex_search(text, std::regex(pattern));
  }

  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(DnsDigTest, AnswersARegisteredNameAuthoritatively) {
  const std::string out = dig("fibonacci.fib.test A");
  EXPECT_TRUE(has(out, "status: NOERROR")) << out;
  EXPECT_TRUE(has(out, "flags: qr aa rd;")) << out;
  EXPECT_TRUE(has(out, R"(fibonacci\.fib\.test\.\s+10\s+IN\s+A\s+10\.0\.0\.5)")) << out;
}

TEST_F(DnsDigTest, NorecQueryIsAnsweredWithoutRd) {
  const std::string out = dig("+norec fibonacci.fib.test A");
  EXPECT_TRUE(has(out, "flags: qr aa;")) << out;
  EXPECT_TRUE(has(out, R"(IN\s+A\s+10\.0\.0\.5)")) << out;
}

TEST_F(DnsDigTest, UnknownNameIsNxdomainWithTheSoa) {
  const std::string out = dig("nothing.fib.test A");
  EXPECT_TRUE(has(out, "status: NXDOMAIN")) << out;
  EXPECT_TRUE(has(out, R"(AUTHORITY SECTION:\n\s*fib\.test\.\s+60\s+IN\s+SOA\s+ns1\.fib\.test\.)"))
      << out;
}

TEST_F(DnsDigTest, OtherTypeOfARegisteredNameIsNodata) {
  const std::string out = dig("fibonacci.fib.test MX");
  EXPECT_TRUE(has(out, "status: NOERROR")) << out;
  EXPECT_TRUE(has(out, "ANSWER: 0, AUTHORITY: 1")) << out;
  EXPECT_TRUE(has(out, R"(fib\.test\.\s+60\s+IN\s+SOA)")) << out;
}

TEST_F(DnsDigTest, ApexAnswersSoaAndNsAndTheSerialRisesWithRegistrations) {
  const std::string before = dig("+short fib.test SOA");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(before, match, std::regex(R"(\. (\d+) 3600 600)"))) << before;
  const long serial = std::stol(match[1]);
  EXPECT_EQ(dig("+short fib.test NS"), "ns1.fib.test.\n");

  ASSERT_EQ(udpExchange(kAsIp, port_, "TYPE=A NAME=new.fib.test VALUE=10.0.0.6 TTL=5"),
            "Registration Succeeded!");
  const std::string after = dig("+short fib.test SOA");
  ASSERT_TRUE(std::regex_search(after, match, std::regex(R"(\. (\d+) 3600 600)"))) << after;
  EXPECT_GT(std::stol(match[1]), serial);
  // Visible to DNS at once.
  EXPECT_EQ(dig("+short new.fib.test A"), "10.0.0.6\n");
}

TEST_F(DnsDigTest, NameOutsideTheZonesIsRefused) {
  EXPECT_TRUE(has(dig("fibonacci.com A"), "status: REFUSED"));
}

TEST_F(DnsDigTest, AnswersOverTcp) {
  const std::string out = dig("+tcp fibonacci.fib.test A");
  EXPECT_TRUE(has(out, R"(IN\s+A\s+10\.0\.0\.5)")) << out;
  EXPECT_TRUE(has(out, R"(\(TCP\))")) << out;
}

TEST_F(DnsDigTest, EdnsVersionZeroGetsAnOptAndVersionOneGetsBadvers) {
  const std::string v0 = dig("+edns=0 fibonacci.fib.test A");
  EXPECT_TRUE(has(v0, "EDNS: version: 0, flags:; udp: 1232")) << v0;
  const std::string v1 = dig("+edns=1 +noednsnegotiation fibonacci.fib.test A");
  EXPECT_TRUE(has(v1, "status: BADVERS")) << v1;
}

TEST_F(DnsDigTest, EchoesTheQuestionsCase) {
  const std::string out = dig("FiBoNaCcI.FiB.TeSt A");
  EXPECT_TRUE(has(out, R"(FiBoNaCcI\.FiB\.TeSt\.\s+10\s+IN\s+A\s+10\.0\.0\.5)")) << out;
}

TEST_F(DnsDigTest, KeepsAnsweringAfterMalformedPacketsOverUdpAndTcp) {
  std::mt19937 random(7);
  // Headers that claim one question but carry broken names, loops, bad pointers, truncation.
  const std::vector<std::string> crafted = {
      std::string("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01", 18),
      std::string("\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\xff\x00\x01\x00\x01", 18),
      std::string("\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x40", 13),
      std::string("\x00\x04\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00", 12),
      std::string("\x00\x05\x80\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01", 17),
      std::string("\x00\x06\x00\x00", 4)};
  for (int i = 0; i < 1000; ++i) {
    std::string packet = crafted[static_cast<std::size_t>(i) % crafted.size()];
    if (i % 2 == 1) {
      packet.resize(12 + random() % 300);
      for (std::size_t b = 2; b < packet.size(); ++b) {
        packet[b] = static_cast<char>(random() % 256);
      }
      packet[2] = static_cast<char>(packet[2] & 0x7f);  // a query, so a reply may come
    }
    (void)udpExchange(kAsIp, port_, packet, std::chrono::milliseconds(1));
  }
  // A TCP connection that sends a bad frame (length 3) is closed; others are not affected.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  ::inet_pton(AF_INET, kAsIp.c_str(), &address.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const char bad_frame[] = {0x00, 0x03, 0x01, 0x02, 0x03};
  ASSERT_EQ(::send(fd, bad_frame, sizeof bad_frame, 0), 5);
  pollfd pfd{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 2000), 1);
  char byte = 0;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);  // closed by the server, no reply
  ::close(fd);

  ASSERT_TRUE(server_->running()) << server_->log();
  EXPECT_EQ(dig("+short fibonacci.fib.test A"), "10.0.0.5\n");
  EXPECT_EQ(dig("+short +tcp fibonacci.fib.test A"), "10.0.0.5\n");
}

TEST_F(DnsDigTest, SeveralQueriesShareOneTcpConnection) {
  // dig sends each name over the same connection with +keepopen.
  const std::string out =
      dig("+tcp +keepopen +short fibonacci.fib.test A fibonacci.fib.test A fib.test NS");
  EXPECT_EQ(out, "10.0.0.5\n10.0.0.5\nns1.fib.test.\n");
}

// 256 pipelined 64-byte frames fill exactly four 16 KiB reads; the client then half-closes and
// reads. Every query must still be answered, in order (RFC 7766 §6.2.1.1, §6.2.4).
TEST_F(DnsDigTest, AnswersEveryPipelinedTcpQueryBeforeClosingAfterAHalfClose) {
  constexpr int kQueries = 256;
  std::string stream;
  for (int id = 0; id < kQueries; ++id) {
    // Header (12) + a question for <35 x p>.fib.test A (50): 62 bytes, 64 with the length.
    std::string query;
    query += static_cast<char>(id >> 8);
    query += static_cast<char>(id & 0xff);
    query += std::string("\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
    query += '\x23';
    query += std::string(35, 'p');  // a 35-byte label: the name is p...p.fib.test
    query += std::string(
        "\x03"
        "fib"
        "\x04"
        "test"
        "\x00",
        10);
    query += std::string("\x00\x01\x00\x01", 4);
    ASSERT_EQ(query.size(), 62U);
    stream += '\x00';
    stream += static_cast<char>(query.size());
    stream += query;
  }
  ASSERT_EQ(stream.size(), 16384U);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  ::inet_pton(AF_INET, kAsIp.c_str(), &address.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::send(fd, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  ::shutdown(fd, SHUT_WR);

  std::string received;
  char buffer[65536];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 3000), 1) << "the server neither answered nor closed";
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GE(n, 0);
    if (n == 0) {
      break;
    }
    received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  int answered = 0;
  std::size_t offset = 0;
  while (received.size() - offset >= 4) {
    const auto length = static_cast<std::size_t>(static_cast<unsigned char>(received[offset]) << 8 |
                                                 static_cast<unsigned char>(received[offset + 1]));
    const int id = static_cast<unsigned char>(received[offset + 2]) << 8 |
                   static_cast<unsigned char>(received[offset + 3]);
    EXPECT_EQ(id, answered);
    offset += 2 + length;
    ++answered;
  }
  EXPECT_EQ(answered, kQueries);
}

}  // namespace
}  // namespace fibdns::testing
