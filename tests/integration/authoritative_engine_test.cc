// The AS engine (issue 8) as a separate process on its own loopback addresses (127.0.0.21-24,
// 26-29,
// ::1, and the wildcards for the default --bind): TCP connection hoarding, hand-written bad
// rows, IPv6, serving threads per address, and the drain on SIGTERM.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "integration/support/database_locker.h"
#include "integration/support/process.h"
#include "fibdns/common/thread_scheduling.h"
#include "integration/support/sockets.h"
#include "support/dns_packets.h"

namespace fibdns::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kSucceeded[] = "Registration Succeeded!";

std::unique_ptr<ChildProcess> startServer(const TempDir& dir, const std::vector<std::string>& args,
                                          const std::string& log_name = "as.log") {
  return std::make_unique<ChildProcess>(binaryPath("authoritative-server"), args,
                                        dir.file(log_name));
}

// dig with a bounded wait and one try; its whole output.
std::string dig(const std::string& server, unsigned short port, const std::string& args) {
  return runCommand("dig @" + server + " -p " + std::to_string(port) + " +time=2 +tries=1 " + args +
                    " 2>&1");
}

// The waitpid status says: exited by itself with code 0.
bool exitedZero(int status) {
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// ---------------------------------------------------------------------------------------------
// 2. TCP: one address hoarding connections does not lock another out.

TEST(AuthoritativeEngineTcp, ThousandIdleConnectionsFromOneAddressDoNotLockOutAnother) {
  const std::string as_ip = "127.0.0.21";
  const std::string hoarder_ip = "127.0.0.22";
  const std::string other_ip = "127.0.0.23";
  constexpr int kHoarded = 1000;
  constexpr int kPerClient = 16;  // the default --tcp-per-client

  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_cur < kHoarded + 100) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, kHoarded + 100);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  }
  ASSERT_GE(files.rlim_cur, static_cast<rlim_t>(kHoarded + 100)) << "hard RLIMIT_NOFILE too low";

  TempDir dir;
  const unsigned short port = freeUdpPort(as_ip);
  auto server = startServer(
      dir, {"--bind", as_ip, "--port", std::to_string(port), "--db", dir.file("records.db")});
  ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << server->log();
  ASSERT_EQ(udpExchange(as_ip, port, labRegistration("tcp.hoard.test", "10.21.0.1", 60)),
            kSucceeded);
  const auto query = testutil::buildQuery("tcp.hoard.test", 1, 0x2121);
  const auto answered = [&](const std::optional<std::vector<std::uint8_t>>& reply) {
    if (!reply) {
      return false;
    }
    const auto response = testutil::parseResponse(*reply);
    return response && response->id == 0x2121 && response->answers.size() == 1 &&
           response->answers[0].address == "10.21.0.1";
  };

  const auto start = Clock::now();
  std::vector<Socket> hoarded;
  int slow_connects = 0;
  for (int i = 0; i < kHoarded; ++i) {
    const auto connect_start = Clock::now();
    hoarded.push_back(connectTcp(as_ip, port, hoarder_ip, milliseconds(8000)));
    // A connect that waits ~1 s met a full accept queue (listen backlog 128): its SYN was
    // dropped and retransmitted. It happens when the server's TCP thread gets no CPU for the
    // few milliseconds this loop takes to open 129 connections.
    if (Clock::now() - connect_start > milliseconds(500)) {
      ++slow_connects;
    }
    ASSERT_TRUE(hoarded.back().valid()) << "connection " << i << " failed";
  }
  std::printf("%d idle connections from %s opened in %lld ms (%d waited for a SYN retransmit)\n",
              kHoarded, hoarder_ip.c_str(),
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - start).count()),
              slow_connects);

  // Another address is answered at once.
  const Socket other = connectTcp(as_ip, port, other_ip);
  ASSERT_TRUE(other.valid());
  EXPECT_TRUE(answered(tcpDnsRoundTrip(other, query, milliseconds(2000))))
      << "a client from another address was not answered over TCP";
  // So is the hoarder itself, on a fresh connection (its idlest one makes room).
  const Socket fresh = connectTcp(as_ip, port, hoarder_ip);
  ASSERT_TRUE(fresh.valid());
  EXPECT_TRUE(answered(tcpDnsRoundTrip(fresh, query, milliseconds(2000))))
      << "the hoarding client was not answered on a fresh connection";

  // The server keeps at most --tcp-per-client of the hoarder's connections (the fresh one among
  // them); it closed the others. All were accepted before `fresh` was answered (in order).
  int still_open = 0;
  for (const Socket& socket : hoarded) {
    char byte = 0;
    const ssize_t n = ::recv(socket.fd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ++still_open;
    }
  }
  std::printf("hoarded connections the server still holds: %d\n", still_open);
  EXPECT_LE(still_open, kPerClient - 1);
  ASSERT_TRUE(server->running()) << server->log();
}

// ---------------------------------------------------------------------------------------------
// 3. Rows written by hand that break the rules are skipped, each named, and not served.

TEST(AuthoritativeEngineStore, SkipsHandWrittenBadRowsNamingEachAndServesTheRest) {
  const std::string as_ip = "127.0.0.24";
  TempDir dir;
  const std::string db = dir.file("records.db");
  const unsigned short port = freeUdpPort(as_ip);
  const std::vector<std::string> args{"--bind", as_ip, "--port", std::to_string(port), "--db", db};
  {
    // The first start creates and migrates the database.
    auto creator = startServer(dir, args, "create.log");
    ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << creator->log();
    ASSERT_TRUE(exitedZero(creator->stop(SIGTERM))) << creator->log();
  }
  int status = 0;
  const std::string sql =
      "PRAGMA ignore_check_constraints=ON; "
      "INSERT INTO records(name, type, value, ttl) VALUES "
      "('good.rows.test', 'A', '10.24.0.1', 60), "
      "('also.good.rows.test', 'A', '10.24.0.2', 0), "
      "('', 'A', '10.24.0.3', 60), "
      "('Upper.Rows.Test', 'A', '10.24.0.4', 60), "
      "('badaddr.rows.test', 'A', '300.1.1.1', 60), "
      "('textttl.rows.test', 'A', '10.24.0.5', 'abc'), "
      "('realttl.rows.test', 'A', '10.24.0.6', 1.5), "
      "('-dash.rows.test', 'A', '10.24.0.7', 60);";
  const std::string cli_output =
      runCommand("sqlite3 -bail " + db + " \"" + sql + "\" 2>&1", &status);
  ASSERT_EQ(status, 0) << cli_output;
  ASSERT_EQ(runCommand("sqlite3 " + db +
                       " \"SELECT typeof(ttl) FROM records WHERE name LIKE "
                       "'%ttl.rows.test' ORDER BY name\""),
            "real\ntext\n");

  auto server = startServer(dir, args);
  ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << server->log();
  const std::string log = server->log();

  // One warning per bad row, naming it and saying what is wrong.
  const std::string prefix = "skipping an invalid record in " + db + ": row name='";
  const std::vector<std::pair<std::string, std::string>> bad_rows = {
      {"", "empty name"},
      {"Upper.Rows.Test", "not normalised"},
      {"badaddr.rows.test", "300.1.1.1"},
      {"textttl.rows.test", "ttl is stored as text"},
      {"realttl.rows.test", "ttl is stored as real"},
      {"-dash.rows.test", ""},
  };
  for (const auto& [name, reason] : bad_rows) {
    const std::string line_start = prefix + name + "' type='A': ";
    const std::size_t at = log.find(line_start);
    ASSERT_NE(at, std::string::npos) << "no warning for row '" << name << "':\n" << log;
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_NE(line.find(reason), std::string::npos) << line;
    EXPECT_EQ(countOccurrences(log, line_start), 1U) << name;
  }
  EXPECT_EQ(countOccurrences(log, "skipping an invalid record"), bad_rows.size()) << log;
  EXPECT_NE(log.find("open: 2 record(s)"), std::string::npos) << log;

  // The good rows are served, over the lab protocol and DNS.
  EXPECT_EQ(udpExchange(as_ip, port, labQuery("good.rows.test")),
            "TYPE=A\nNAME=good.rows.test\nVALUE=10.24.0.1\nTTL=60\n");
  EXPECT_EQ(udpExchange(as_ip, port, labQuery("also.good.rows.test")),
            "TYPE=A\nNAME=also.good.rows.test\nVALUE=10.24.0.2\nTTL=0\n");
  EXPECT_EQ(dig(as_ip, port, "+short good.rows.test A"), "10.24.0.1\n");

  // The bad ones are not.
  for (const char* name :
       {"upper.rows.test", "badaddr.rows.test", "textttl.rows.test", "realttl.rows.test"}) {
    EXPECT_EQ(udpExchange(as_ip, port, labQuery(name)), "NOT FOUND!") << name;
    const std::string out = dig(as_ip, port, std::string(name) + " A");
    EXPECT_NE(out.find("status: NXDOMAIN"), std::string::npos) << out;
  }
  const std::string dash = dig(as_ip, port, "-- -dash.rows.test A");
  EXPECT_EQ(dash.find("10.24.0.7"), std::string::npos) << dash;
  // The empty name does not answer for the root: the apex has its SOA and NS, no A.
  const Socket socket = connectedUdp(as_ip, port);
  const auto root_query = testutil::buildQuery("", 1, 0x2424);
  const auto reply =
      udpRoundTrip(socket, std::string(root_query.begin(), root_query.end()), milliseconds(2000));
  ASSERT_TRUE(reply.has_value());
  const auto root =
      testutil::parseResponse(std::vector<std::uint8_t>(reply->begin(), reply->end()));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->rcode, 0);
  EXPECT_TRUE(root->answers.empty()) << root->answers.front().address;
  ASSERT_EQ(root->authority.size(), 1U);
  EXPECT_EQ(root->authority[0].type, 6);  // SOA: NODATA

  // Writing still works, and a registration replaces a bad row of the same name.
  EXPECT_EQ(udpExchange(as_ip, port, labRegistration("realttl.rows.test", "10.24.1.6", 30)),
            kSucceeded);
  EXPECT_EQ(udpExchange(as_ip, port, labQuery("realttl.rows.test")),
            "TYPE=A\nNAME=realttl.rows.test\nVALUE=10.24.1.6\nTTL=30\n");
}

// ---------------------------------------------------------------------------------------------
// 4. IPv6.

// Registers over the lab protocol on `lab_ip`, then reads it back there, over dig (UDP and TCP)
// on `dns_ip`.
void expectServedOver(const std::string& lab_ip, const std::string& dns_ip, unsigned short port,
                      const std::string& name, const std::string& address) {
  EXPECT_EQ(udpExchange(lab_ip, port, labRegistration(name, address, 30)), kSucceeded);
  EXPECT_EQ(udpExchange(lab_ip, port, labQuery(name)),
            "TYPE=A\nNAME=" + name + "\nVALUE=" + address + "\nTTL=30\n");
  EXPECT_EQ(dig(dns_ip, port, "+short " + name + " A"), address + "\n");
  const std::string tcp = dig(dns_ip, port, "+tcp " + name + " A");
  EXPECT_TRUE(std::regex_search(tcp, std::regex(R"(IN\s+A\s+)" + address))) << tcp;
  EXPECT_NE(tcp.find("(TCP)"), std::string::npos) << tcp;
}

TEST(AuthoritativeEngineIpv6, ServesTheLabProtocolAndDnsOnIpv6Loopback) {
  TempDir dir;
  const unsigned short port = freeWildcardPort();
  auto server = startServer(
      dir, {"--bind", "::1", "--port", std::to_string(port), "--db", dir.file("records.db")});
  ASSERT_FALSE(waitForUdpReply("::1", port, labQuery("ready.check")).empty()) << server->log();
  expectServedOver("::1", "::1", port, "v6.only.test", "10.26.0.1");
  // Only where it was told: nothing on IPv4 loopback.
  EXPECT_EQ(udpExchange("127.0.0.1", port, labQuery("v6.only.test"), milliseconds(300)), "");
  EXPECT_NE(server->log().find("[::1]:" + std::to_string(port)), std::string::npos)
      << server->log();
}

TEST(AuthoritativeEngineIpv6, DefaultBindServesIpv4AndIpv6) {
  TempDir dir;
  const unsigned short port = freeWildcardPort();
  auto server = startServer(dir, {"--port", std::to_string(port), "--db", dir.file("records.db")});
  ASSERT_FALSE(waitForUdpReply("::1", port, labQuery("ready.check")).empty()) << server->log();
  expectServedOver("::1", "127.0.0.1", port, "v6.default.test", "10.26.0.2");
  expectServedOver("127.0.0.1", "::1", port, "v4.default.test", "10.26.0.3");

  // --health-check with the default --bind asks the IPv4 loopback.
  ChildProcess check(binaryPath("authoritative-server"),
                     {"--health-check", "--port", std::to_string(port)}, dir.file("check.log"));
  EXPECT_TRUE(exitedZero(check.wait(std::chrono::seconds(5)))) << check.log();
}

TEST(AuthoritativeEngineIpv6, HealthCheckFailsWhenNothingAnswers) {
  TempDir dir;
  const unsigned short port = freeUdpPort("127.0.0.1");  // nothing listens there
  ChildProcess check(binaryPath("authoritative-server"),
                     {"--health-check", "--bind", "127.0.0.1", "--port", std::to_string(port)},
                     dir.file("check.log"));
  const int status = check.wait(std::chrono::seconds(5));
  ASSERT_TRUE(status != -1 && WIFEXITED(status)) << check.log();
  EXPECT_NE(WEXITSTATUS(status), 0);
}

TEST(AuthoritativeEngineIpv6, HealthCheckWorksWithAnIpv6Bind) {
  TempDir dir;
  const unsigned short port = freeWildcardPort();
  auto server = startServer(
      dir, {"--bind", "::1", "--port", std::to_string(port), "--db", dir.file("records.db")});
  ASSERT_FALSE(waitForUdpReply("::1", port, labQuery("ready.check")).empty()) << server->log();
  ChildProcess check(binaryPath("authoritative-server"),
                     {"--health-check", "--bind", "::1", "--port", std::to_string(port)},
                     dir.file("check.log"));
  EXPECT_TRUE(exitedZero(check.wait(std::chrono::seconds(5)))) << check.log();
}

// ---------------------------------------------------------------------------------------------
// 5. --threads N: N UDP sockets per bound address, one TCP listener.

TEST(AuthoritativeEngineThreads, EachServingThreadOwnsAUdpSocketOnThePort) {
  for (const int threads : {2, 3}) {
    SCOPED_TRACE("--threads " + std::to_string(threads));
    TempDir dir;
    const unsigned short port = freeWildcardPort();
    auto server =
        startServer(dir, {"--bind", "127.0.0.29,::1", "--port", std::to_string(port), "--threads",
                          std::to_string(threads), "--db", dir.file("records.db")});
    ASSERT_FALSE(waitForUdpReply("127.0.0.29", port, labQuery("ready.check")).empty())
        << server->log();
    const std::string p = std::to_string(port);
    const std::string udp = runCommand("ss -Hulpn 'sport = :" + p + "'");
    const std::string tcp = runCommand("ss -Htlpn 'sport = :" + p + "'");
    std::printf("ss -ulpn:\n%sss -tlpn:\n%s", udp.c_str(), tcp.c_str());
    const std::size_t n = static_cast<std::size_t>(threads);
    EXPECT_EQ(countOccurrences(udp, "127.0.0.29:" + p + " "), n) << udp;
    EXPECT_EQ(countOccurrences(udp, "[::1]:" + p + " "), n) << udp;
    EXPECT_EQ(countOccurrences(udp, "pid=" + std::to_string(server->pid()) + ","), 2 * n) << udp;
    EXPECT_EQ(countOccurrences(tcp, "127.0.0.29:" + p + " "), 1U) << tcp;
    EXPECT_EQ(countOccurrences(tcp, "[::1]:" + p + " "), 1U) << tcp;
  }
}

// Queries first on busy cores: the serving threads ask for a 100 us time slice, the writer runs
// at nice +5 (README, "AS, engine").

// The scheduler's slice of a thread in ns, from /proc/.../sched (kernels with scheduler debug
// files and EEVDF); -1 when the file does not say.
long long sliceOf(const std::filesystem::path& task) {
  std::smatch match;
  const std::string text = readFile(task / "sched");
  static const std::regex slice(R"(se\.slice\s*:\s*(\d+))");
  return std::regex_search(text, match, slice) ? std::stoll(match[1]) : -1;
}

// Whether this kernel gives a thread the slice it asks for (Linux 6.12+ with its debug file).
bool kernelTakesShortSlices() {
  long long seen = -1;
  std::thread probe([&] {
    if (requestShortTimeSlice(std::chrono::microseconds(100))) {
      seen = sliceOf("/proc/thread-self");
    }
  });
  probe.join();
  return seen == 100'000;
}

TEST(AuthoritativeEngineThreads, ServingThreadsAskForShortSlicesAndTheWriterYields) {
  TempDir dir;
  const unsigned short port = freeWildcardPort();
  auto server = startServer(dir, {"--bind", "127.0.0.29", "--port", std::to_string(port),
                                  "--threads", "2", "--db", dir.file("records.db")});
  ASSERT_FALSE(waitForUdpReply("127.0.0.29", port, labQuery("ready.check")).empty())
      << server->log();

  const bool short_slices = kernelTakesShortSlices();
  std::printf("this kernel %s short slices\n", short_slices ? "takes" : "does not take");
  struct Thread {
    std::string name;
    std::string nice;
    long long slice;
  };
  // Every thread of the server as /proc shows it now.
  const auto threadsOfServer = [&] {
    std::vector<Thread> threads;
    for (const auto& task : std::filesystem::directory_iterator(
             "/proc/" + std::to_string(server->pid()) + "/task")) {
      Thread thread;
      thread.name = readFile(task.path() / "comm");
      thread.name.erase(thread.name.find_last_not_of('\n') + 1);
      // /proc/PID/task/TID/stat: "TID (comm) state ...": nice is field 19.
      const std::string stat = readFile(task.path() / "stat");
      std::istringstream fields(stat.substr(stat.rfind(')') + 2));
      for (int field = 3; field <= 19 && fields >> thread.nice; ++field) {
      }
      thread.slice = sliceOf(task.path());
      threads.push_back(thread);
    }
    return threads;
  };
  const auto serving = [](const Thread& thread) {
    return thread.name == "fibdns-udp" || thread.name == "fibdns-tcp";
  };
  // Each thread sets its own slice or nice value as it starts: the reply above proves one UDP
  // worker has; give the others a moment. The server's main thread shows what the test runner
  // gave it (a runner may itself run at a nice value or with a short slice).
  const auto main_thread = [](const std::vector<Thread>& threads) {
    for (const Thread& thread : threads) {
      if (thread.name == "authoritative-s") {
        return thread;
      }
    }
    return Thread{"", "", -1};
  };
  const auto settled = [&](const std::vector<Thread>& threads) {
    const Thread base = main_thread(threads);
    if (base.nice.empty()) {
      return false;
    }
    return std::count_if(threads.begin(), threads.end(), [&](const Thread& thread) {
             return (serving(thread) && (!short_slices || thread.slice == 100'000)) ||
                    (thread.name == "fibdns-writer" &&
                     std::stoi(thread.nice) == std::stoi(base.nice) + 5);
           }) == 4;
  };
  std::vector<Thread> threads = threadsOfServer();
  for (int attempt = 0; attempt < 100 && !settled(threads); ++attempt) {
    std::this_thread::sleep_for(milliseconds(20));
    threads = threadsOfServer();
  }
  const Thread base = main_thread(threads);
  ASSERT_FALSE(base.nice.empty());
  const int base_nice = std::stoi(base.nice);
  std::map<std::string, int> threads_named;
  for (const Thread& thread : threads) {
    std::printf("%s: nice %s, slice %lld ns\n", thread.name.c_str(), thread.nice.c_str(),
                thread.slice);
    ++threads_named[thread.name];
    EXPECT_EQ(std::stoi(thread.nice), base_nice + (thread.name == "fibdns-writer" ? 5 : 0))
        << thread.name;
    if (short_slices) {
      if (serving(thread)) {
        EXPECT_EQ(thread.slice, 100'000) << thread.name;
      } else {
        EXPECT_EQ(thread.slice, base.slice) << thread.name;  // as the runner gave it
      }
    }
  }
  EXPECT_EQ(threads_named["fibdns-udp"], 2);
  EXPECT_EQ(threads_named["fibdns-tcp"], 1);
  EXPECT_EQ(threads_named["fibdns-writer"], 1);
}

// ---------------------------------------------------------------------------------------------
// 7. SIGTERM drains: what was sent before the signal is answered, and the exit code is 0.

// Sends `count` registrations per socket, then a query on each: its answer (queries do not wait
// for the writer) proves the serving thread has read, and queued, the registrations before it.
std::vector<Socket> queueRegistrations(const std::string& ip, unsigned short port, int sockets,
                                       int count, const std::string& prefix) {
  std::vector<Socket> result;
  for (int s = 0; s < sockets; ++s) {
    result.push_back(connectedUdp(ip, port));
    for (int i = 0; i < count; ++i) {
      const std::string name = prefix + std::to_string(s) + "-" + std::to_string(i) + ".drain.test";
      const std::string request = labRegistration(name, "10.27.0." + std::to_string(i + 1), 60);
      EXPECT_GE(::send(result.back().fd(), request.data(), request.size(), 0), 0);
    }
    EXPECT_EQ(udpRoundTrip(result.back(), labQuery("fence.drain.test"), milliseconds(2000)),
              "NOT FOUND!");
  }
  return result;
}

// Every datagram that arrives on `socket` within `timeout`, until `count` have.
std::vector<std::string> receive(const Socket& socket, std::size_t count, milliseconds timeout) {
  std::vector<std::string> replies;
  const auto deadline = Clock::now() + timeout;
  char buffer[2048];
  while (replies.size() < count) {
    pollfd pfd{socket.fd(), POLLIN, 0};
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) != 1) {
      break;
    }
    const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n >= 0) {
      replies.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }
  return replies;
}

TEST(AuthoritativeEngineDrain, SigtermCommitsAndAnswersQueuedRegistrationsThenExitsZero) {
  const std::string as_ip = "127.0.0.26";
  constexpr int kSockets = 4;
  constexpr int kPerSocket = 16;
  TempDir dir;
  const std::string db = dir.file("records.db");
  const unsigned short port = freeUdpPort(as_ip);
  auto server = startServer(dir, {"--bind", as_ip, "--port", std::to_string(port), "--db", db,
                                  "--write-timeout-ms", "10000"});
  ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << server->log();

  // The database is locked, so the registrations stay queued in the writer.
  DatabaseLocker locker(db, dir.path());
  ASSERT_TRUE(locker.waitLocked()) << locker.log();
  const std::vector<Socket> sockets = queueRegistrations(as_ip, port, kSockets, kPerSocket, "ok");
  for (const Socket& socket : sockets) {
    ASSERT_TRUE(receive(socket, 1, milliseconds(0)).empty()) << "answered before the commit";
  }
  ASSERT_EQ(::kill(server->pid(), SIGTERM), 0);
  const auto signalled = Clock::now();
  ASSERT_TRUE(exitedZero(locker.release())) << locker.log();

  for (const Socket& socket : sockets) {
    const auto replies = receive(socket, kPerSocket, milliseconds(5000));
    EXPECT_EQ(replies, std::vector<std::string>(kPerSocket, kSucceeded));
  }
  const int status = server->wait(milliseconds(5000));
  std::printf("exited %lld ms after SIGTERM\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - signalled).count()));
  EXPECT_TRUE(exitedZero(status)) << status << "\n" << server->log();
  EXPECT_NE(server->log().find("stopped; database closed"), std::string::npos) << server->log();
  EXPECT_EQ(runCommand("sqlite3 " + db +
                       " \"SELECT count(*) FROM records WHERE name LIKE "
                       "'ok%.drain.test'\""),
            std::to_string(kSockets * kPerSocket) + "\n");
}

TEST(AuthoritativeEngineDrain,
     SigtermWhileTheDatabaseStaysLockedFailsQueuedRegistrationsAtTheirDeadline) {
  const std::string as_ip = "127.0.0.27";
  constexpr int kSockets = 4;
  constexpr int kPerSocket = 16;
  constexpr auto kDeadline = milliseconds(1000);
  TempDir dir;
  const std::string db = dir.file("records.db");
  const unsigned short port = freeUdpPort(as_ip);
  auto server = startServer(dir, {"--bind", as_ip, "--port", std::to_string(port), "--db", db,
                                  "--write-timeout-ms", std::to_string(kDeadline.count())});
  ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << server->log();

  DatabaseLocker locker(db, dir.path());
  ASSERT_TRUE(locker.waitLocked()) << locker.log();
  const std::vector<Socket> sockets = queueRegistrations(as_ip, port, kSockets, kPerSocket, "no");
  ASSERT_EQ(::kill(server->pid(), SIGTERM), 0);
  const auto signalled = Clock::now();
  for (const Socket& socket : sockets) {
    const auto replies = receive(socket, kPerSocket, kDeadline + milliseconds(3000));
    EXPECT_EQ(replies, std::vector<std::string>(kPerSocket, "Registration Failed!\ndatabase busy"));
  }
  const int status = server->wait(kDeadline + milliseconds(3000));
  const auto exit_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - signalled);
  std::printf("exited %lld ms after SIGTERM\n", static_cast<long long>(exit_ms.count()));
  EXPECT_TRUE(exitedZero(status)) << status << "\n" << server->log();
  EXPECT_TRUE(locker.running()) << "the lock must be held until the server has gone";
  ASSERT_TRUE(exitedZero(locker.release())) << locker.log();
  EXPECT_EQ(runCommand("sqlite3 " + db + " \"SELECT count(*) FROM records\""), "0\n");
}

// Writers keep registering while the signal comes, each with a window of registrations in
// flight (so that some sit in the socket buffers when the signal arrives): whatever left a
// client before the signal gets an answer (a success, then stored, or a failure), none is
// dropped. Replies carry no id, so a writer counts: it must get at least as many replies as it
// sent registrations before the signal.
TEST(AuthoritativeEngineDrain, SigtermDuringABurstAnswersEverythingSentBeforeIt) {
  const std::string as_ip = "127.0.0.28";
  constexpr int kWriters = 8;
  constexpr int kWindow = 512;
  TempDir dir;
  const std::string db = dir.file("records.db");
  const unsigned short port = freeUdpPort(as_ip);
  // One serving thread for all the writers, so that datagrams wait in its socket buffer.
  auto server = startServer(
      dir, {"--bind", as_ip, "--port", std::to_string(port), "--db", db, "--threads", "1"});
  ASSERT_FALSE(waitForUdpReply(as_ip, port, labQuery("ready.check")).empty()) << server->log();

  std::atomic<Clock::rep> signal_time{Clock::time_point::max().time_since_epoch().count()};
  std::atomic<int> unanswered_before_signal{0};
  std::atomic<int> succeeded{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const Socket socket = connectedUdp(as_ip, port);
      // Room for a whole window of replies, so that none is dropped here.
      const int buffer_size = 4 << 20;
      (void)::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
      for (int window = 0; window < 10000; ++window) {
        int sent = 0;
        int sent_before_signal = 0;
        for (int i = 0; i < kWindow; ++i) {
          const std::string request = labRegistration(
              "b" + std::to_string(w) + "-" + std::to_string(window * kWindow + i) + ".drain.test",
              "10.28.0.1", 60);
          if (::send(socket.fd(), request.data(), request.size(), 0) < 0) {
            break;  // the server has gone (ECONNREFUSED)
          }
          ++sent;
          if (Clock::now().time_since_epoch().count() < signal_time.load()) {
            ++sent_before_signal;
          }
        }
        const auto replies = receive(socket, static_cast<std::size_t>(sent), milliseconds(2000));
        for (const std::string& reply : replies) {
          if (reply == kSucceeded) {
            ++succeeded;
          }
        }
        if (static_cast<int>(replies.size()) < sent_before_signal) {
          unanswered_before_signal += sent_before_signal - static_cast<int>(replies.size());
          ADD_FAILURE() << "writer " << w << ": " << sent_before_signal
                        << " registrations sent before SIGTERM, " << replies.size() << " answers";
        }
        if (static_cast<int>(replies.size()) < sent) {
          return;  // the server stopped reading
        }
      }
    });
  }
  // Wait until the writers are busy, then signal.
  const auto busy_by = Clock::now() + milliseconds(5000);
  while (succeeded.load() < 500 && Clock::now() < busy_by) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  signal_time = Clock::now().time_since_epoch().count();
  ASSERT_EQ(::kill(server->pid(), SIGTERM), 0);
  const int status = server->wait(milliseconds(5000));
  for (std::thread& writer : writers) {
    writer.join();
  }
  std::printf("%d registrations acknowledged, %d sent before SIGTERM and never answered\n",
              succeeded.load(), unanswered_before_signal.load());
  EXPECT_TRUE(exitedZero(status)) << status << "\n" << server->log();
  EXPECT_EQ(unanswered_before_signal.load(), 0);
  // Every acknowledgement is on disk.
  const std::string stored = runCommand("sqlite3 " + db + " \"SELECT count(*) FROM records\"");
  EXPECT_GE(std::stoi(stored), succeeded.load());
}

}  // namespace
}  // namespace fibdns::testing
