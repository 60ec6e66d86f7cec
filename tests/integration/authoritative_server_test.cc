// The real authoritative-server binary, started as a separate process on its own loopback
// address (127.0.0.6), with a temporary SQLite file.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "integration/support/process.h"

namespace fibdns::testing {
namespace {

const std::string kAsIp = "127.0.0.6";

// The n-th name that concurrent client `client` registers, e.g. "c3-n17.test".
std::string clientName(int client, int n) {
  std::string name = "c";  // append(), not operator+: GCC 12 warns falsely (-Wrestrict)
  name.append(std::to_string(client)).append("-n").append(std::to_string(n)).append(".test");
  return name;
}

class AuthoritativeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freeUdpPort(kAsIp);
    db_path_ = dir_.path() + "/records.db";
    start();
  }

  void start() {
    server_ = std::make_unique<ChildProcess>(
        binaryPath("authoritative-server"),
        std::vector<std::string>{"--bind", kAsIp, "--port", std::to_string(port_), "--db",
                                 db_path_},
        dir_.path() + "/as.log");
    // Ready when it answers; bounded.
    ASSERT_FALSE(waitForUdpReply(kAsIp, port_, "TYPE=A\nNAME=ready.check\n").empty())
        << "server did not answer within 10 s:\n"
        << server_->log();
  }

  std::string exchange(const std::string& request,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    return udpExchange(kAsIp, port_, request, timeout);
  }

  std::string registration(const std::string& name, const std::string& ip, int ttl) {
    return "TYPE=A\nNAME=" + name + "\nVALUE=" + ip + "\nTTL=" + std::to_string(ttl) + "\n";
  }

  TempDir dir_;
  unsigned short port_ = 0;
  std::string db_path_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(AuthoritativeServerTest, RegistersAnswersAndLatestRegistrationWins) {
  EXPECT_EQ(exchange(registration("Fibonacci.COM", "10.0.0.5", 10)), "Registration Succeeded!");
  EXPECT_EQ(exchange("TYPE=A\nNAME=fibonacci.com\n"),
            "TYPE=A\nNAME=fibonacci.com\nVALUE=10.0.0.5\nTTL=10\n");
  EXPECT_EQ(exchange(registration("fibonacci.com", "10.0.0.6", 30)), "Registration Succeeded!");
  EXPECT_EQ(exchange("TYPE=A\r\nNAME=FIBONACCI.com.\r\n"),
            "TYPE=A\nNAME=fibonacci.com\nVALUE=10.0.0.6\nTTL=30\n");
  EXPECT_EQ(exchange("TYPE=A\nNAME=unknown.com\n"), "NOT FOUND!");
  EXPECT_EQ(exchange(registration("a.com", "256.1.1.1", 10)).rfind("Registration Failed!\n", 0),
            0U);
  EXPECT_EQ(exchange("NAME=a.com NAME=b.com").rfind("BAD REQUEST!\n", 0), 0U);
}

TEST_F(AuthoritativeServerTest, AcknowledgedRegistrationSurvivesKillNine) {
  ASSERT_EQ(exchange(registration("durable.com", "10.1.2.3", 60)), "Registration Succeeded!");
  ASSERT_EQ(server_->stop(SIGKILL), SIGKILL);  // waitpid status of a SIGKILLed child

  int status = 0;
  const std::string rows =
      runCommand("sqlite3 " + db_path_ + " 'SELECT name,type,value,ttl FROM records'", &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(rows, "durable.com|A|10.1.2.3|60\n");

  start();
  EXPECT_EQ(exchange("TYPE=A\nNAME=durable.com\n"),
            "TYPE=A\nNAME=durable.com\nVALUE=10.1.2.3\nTTL=60\n");
}

TEST_F(AuthoritativeServerTest, KeepsServingAfterABarrageOfGarbage) {
  std::mt19937 random(12345);
  const std::vector<std::string> malformed = {
      "",
      " ",
      "TYPE=A",
      "NAME=",
      "=",
      "TYPE=A\nNAME=a.com\nNAME=b.com\n",
      "FOO=bar NAME=a.com",
      "TYPE=A NAME=-a.com",
      "TYPE=A NAME=a..com",
      std::string(2000, 'A'),
      "TYPE=A NAME=a.com VALUE=1.2.3 TTL=1",
      "TYPE=A NAME=a.com VALUE=1.2.3.4 TTL=-1",
      "TYPE=MX NAME=a.com VALUE=1.2.3.4 TTL=1",
      std::string("\x00\x01\x02", 3),
      std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12)};
  for (int i = 0; i < 2000; ++i) {
    std::string datagram;
    if (i % 2 == 0) {
      datagram = malformed[static_cast<std::size_t>(i / 2) % malformed.size()];
    } else {
      datagram.resize(random() % 1500);
      for (char& c : datagram) {
        c = static_cast<char>(random() % 256);
      }
    }
    // Short timeout: some of these get no reply at all (the DNS path drops what is not a query).
    (void)exchange(datagram, std::chrono::milliseconds(i % 50 == 0 ? 200 : 1));
  }
  ASSERT_TRUE(server_->running()) << server_->log();
  ASSERT_EQ(exchange(registration("after.com", "10.9.9.9", 5)), "Registration Succeeded!");
  EXPECT_EQ(exchange("TYPE=A\nNAME=after.com\n"),
            "TYPE=A\nNAME=after.com\nVALUE=10.9.9.9\nTTL=5\n");
}

TEST_F(AuthoritativeServerTest, ConcurrentRegistrationsAreAllAcknowledgedAndStored) {
  constexpr int kClients = 8;
  constexpr int kNamesPerClient = 500;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      for (int n = 0; n < kNamesPerClient; ++n) {
        const std::string name = clientName(client, n);
        const std::string ip = "10." + std::to_string(client) + "." + std::to_string(n / 256) +
                               "." + std::to_string(n % 256);
        // UDP may lose a datagram: retry a few times, as real clients do.
        for (int attempt = 0; attempt < 5; ++attempt) {
          if (exchange(registration(name, ip, 10)) == "Registration Succeeded!") {
            ++acknowledged;
            break;
          }
        }
      }
    });
  }
  for (std::thread& thread : clients) {
    thread.join();
  }
  EXPECT_EQ(acknowledged.load(), kClients * kNamesPerClient);

  // Every one is served, and every one is in the file.
  int missing = 0;
  for (int client = 0; client < kClients; ++client) {
    for (int n = 0; n < kNamesPerClient; n += 7) {
      const std::string name = clientName(client, n);
      if (exchange("TYPE=A\nNAME=" + name + "\n").rfind("TYPE=A\nNAME=" + name, 0) != 0) {
        ++missing;
      }
    }
  }
  EXPECT_EQ(missing, 0);
  ASSERT_EQ(server_->stop(SIGKILL), SIGKILL);
  EXPECT_EQ(runCommand("sqlite3 " + db_path_ + " 'SELECT count(*) FROM records'"),
            std::to_string(kClients * kNamesPerClient) + "\n");
}

TEST_F(AuthoritativeServerTest, StopsCleanlyOnSigterm) {
  const int status = server_->stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << server_->log();
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(server_->log().find("shutting down"), std::string::npos);
}

TEST(AuthoritativeServerFlags, BadFlagExitsTwoWithAMessage) {
  TempDir dir;
  ChildProcess bad(binaryPath("authoritative-server"), {"--port", "70000"}, dir.path() + "/log");
  const int status = bad.wait(std::chrono::seconds(5));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(bad.log().find("70000"), std::string::npos) << bad.log();
}

TEST(AuthoritativeServerFlags, UnopenableDatabaseExitsOneNamingThePath) {
  TempDir dir;
  const std::string db = dir.path() + "/no/such/dir/records.db";
  ChildProcess bad(binaryPath("authoritative-server"),
                   {"--bind", kAsIp, "--port", std::to_string(freeUdpPort(kAsIp)), "--db", db},
                   dir.path() + "/log");
  const int status = bad.wait(std::chrono::seconds(5));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(bad.log().find(db), std::string::npos) << bad.log();
}

TEST(AuthoritativeServerFlags, HelpListsEveryFlagWithItsEnvironmentVariable) {
  int status = 0;
  const std::string help = runCommand(binaryPath("authoritative-server") + " --help", &status);
  EXPECT_EQ(status, 0);
  for (const char* flag : {"--bind", "--port", "--db", "FIBDNS_AS_DB", "--version"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace fibdns::testing
