// Issue 11 end to end, with the real binaries as separate processes on their own loopback
// addresses (127.0.0.17-31, free ports): no request waits behind another, the upstream
// allow-list, what the US relays, Connection: close, and /metrics (promtool, exact counts).
// Stand-ins for misbehaving peers (a silent AS, a listener outside the allow-list, an FS that
// serves HTML, an AS on ::1) are sockets owned by the test. Every wait is bounded.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/process.h"

namespace fibdns::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

const std::string kAsIp = "127.0.0.17";
const std::string kFsIp = "127.0.0.18";
const std::string kUsIp = "127.0.0.19";
const std::string kFakeIp = "127.0.0.20";     // silent AS, HTML "FS": inside the allow-list
const std::string kOutsideIp = "127.0.0.30";  // outside the allow-list
// 127.0.0.16/29 is .16-.23; ::1 for the IPv6 AS.
const std::string kAllowList = "127.0.0.16/29,::1/128";

constexpr int kAsTimeoutMs = 300;
constexpr int kAsAttempts = 2;

struct HttpResult {
  long status = 0;  // 0: no HTTP answer
  std::string body;
  std::string content_type;
  std::string retry_after;
  milliseconds elapsed{0};
};

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t keepRetryAfter(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string line(data, size * count);
  if (line.rfind("Retry-After:", 0) == 0) {
    std::string value = line.substr(12);
    while (!value.empty() && (value.front() == ' ')) {
      value.erase(0, 1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
      value.pop_back();
    }
    *static_cast<std::string*>(user) = value;
  }
  return size * count;
}

/// Sets up `curl` for a request whose answer lands in `result`.
void prepare(CURL* curl, const std::string& method, const std::string& url, const std::string& body,
             HttpResult& result, milliseconds timeout) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &keepRetryAfter);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.retry_after);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body.c_str());
  }
}

void collect(CURL* curl, HttpResult& result) {
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) {
    result.content_type = type;
  }
}

HttpResult request(const std::string& method, const std::string& url, const std::string& body = "",
                   milliseconds timeout = milliseconds(3000)) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  prepare(curl, method, url, body, result, timeout);
  const auto start = steady_clock::now();
  if (curl_easy_perform(curl) == CURLE_OK) {
    collect(curl, result);
  }
  result.elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  curl_easy_cleanup(curl);
  return result;
}

HttpResult get(const std::string& url) { return request("GET", url); }

/// Many GETs at once from one thread (libcurl multi); each result has its own elapsed time.
class ConcurrentGets {
 public:
  explicit ConcurrentGets(const std::vector<std::string>& urls, milliseconds timeout)
      : multi_(curl_multi_init()), results_(urls.size()) {
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    for (std::size_t i = 0; i < urls.size(); ++i) {
      CURL* easy = curl_easy_init();
      prepare(easy, "GET", urls[i], "", results_[i], timeout);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(i));
      curl_multi_add_handle(multi_, easy);
      handles_.push_back(easy);
    }
    start_ = steady_clock::now();
    thread_ = std::thread([this] { run(); });
  }
  ~ConcurrentGets() {
    wait();
    for (CURL* easy : handles_) {
      curl_multi_remove_handle(multi_, easy);
      curl_easy_cleanup(easy);
    }
    curl_multi_cleanup(multi_);
  }
  const std::vector<HttpResult>& wait() {
    if (thread_.joinable()) {
      thread_.join();
    }
    return results_;
  }

 private:
  void run() {
    int running = 1;
    while (running > 0) {
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
        if (message->msg != CURLMSG_DONE) {
          continue;
        }
        char* index = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &index);
        HttpResult& result = results_[reinterpret_cast<std::size_t>(index)];
        if (message->data.result == CURLE_OK) {
          collect(message->easy_handle, result);
        }
        result.elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start_);
      }
      if (running > 0) {
        curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
      }
    }
  }

  CURLM* multi_;
  std::vector<CURL*> handles_;
  std::vector<HttpResult> results_;
  steady_clock::time_point start_;
  std::thread thread_;
};

/// A socket owned by the test: UDP or TCP, IPv4 or IPv6, bound to ip on a free port.
class TestSocket {
 public:
  TestSocket(const std::string& ip, int type) {
    const bool v6 = ip.find(':') != std::string::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto* address = reinterpret_cast<sockaddr_in6*>(&storage);
      address->sin6_family = AF_INET6;
      ::inet_pton(AF_INET6, ip.c_str(), &address->sin6_addr);
      length = sizeof *address;
    } else {
      auto* address = reinterpret_cast<sockaddr_in*>(&storage);
      address->sin_family = AF_INET;
      ::inet_pton(AF_INET, ip.c_str(), &address->sin_addr);
      length = sizeof *address;
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length), 0);
    if (type == SOCK_STREAM) {
      EXPECT_EQ(::listen(fd_, 16), 0);
    }
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
  ~TestSocket() { ::close(fd_); }
  TestSocket(const TestSocket&) = delete;
  TestSocket& operator=(const TestSocket&) = delete;
  int fd() const { return fd_; }
  unsigned short port() const { return port_; }
  std::string portText() const { return std::to_string(port_); }
  /// True when a datagram or a connection is waiting (within `wait`).
  bool somethingArrived(milliseconds wait) const {
    pollfd waiter{fd_, POLLIN, 0};
    return ::poll(&waiter, 1, static_cast<int>(wait.count())) > 0;
  }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

/// A thread answering on `socket` with `answer(request)` until the socket is shut down.
class Responder {
 public:
  Responder(TestSocket& socket, bool stream, std::function<std::string(const std::string&)> answer)
      : thread_([this, &socket, stream, answer] {
          while (!stop_) {
            pollfd waiter{socket.fd(), POLLIN, 0};
            if (::poll(&waiter, 1, 50) <= 0) {
              continue;
            }
            char buffer[4096];
            if (stream) {
              const int client = ::accept(socket.fd(), nullptr, nullptr);
              if (client < 0) {
                continue;
              }
              pollfd readable{client, POLLIN, 0};
              if (::poll(&readable, 1, 1000) > 0) {
                const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
                const std::string reply =
                    answer(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0U));
                ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
              }
              ::close(client);
              continue;
            }
            sockaddr_storage peer{};
            socklen_t length = sizeof peer;
            const ssize_t n = ::recvfrom(socket.fd(), buffer, sizeof buffer, 0,
                                         reinterpret_cast<sockaddr*>(&peer), &length);
            if (n > 0) {
              const std::string reply = answer(std::string(buffer, static_cast<std::size_t>(n)));
              ::sendto(socket.fd(), reply.data(), reply.size(), 0,
                       reinterpret_cast<sockaddr*>(&peer), length);
            }
          }
        }) {}
  ~Responder() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The value of a sample line (name and labels exactly as given), or 0 when absent.
double sample(const std::string& text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const auto at = ("\n" + text).find(needle);
  if (at == std::string::npos) {
    return 0;
  }
  const auto start = at + needle.size() - 1;
  return std::stod(text.substr(start, text.find('\n', start) - start));
}

/// `promtool check metrics` on `text`: its exit status (0 = valid) and its output.
int promtool(const std::string& text, const std::string& dir, std::string* output) {
  const std::string path = dir + "/scrape.txt";
  FILE* file = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);
  int status = -1;
  *output = runCommand("promtool check metrics < " + path + " 2>&1", &status);
  return status;
}

class UpstreamIsolationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    as_port_ = std::to_string(freeUdpPort(kAsIp));
    fs_port_ = std::to_string(freeTcpPort(kFsIp));
    us_port_ = std::to_string(freeTcpPort(kUsIp));
    as_ = std::make_unique<ChildProcess>(
        binaryPath("authoritative-server"),
        std::vector<std::string>{"--bind", kAsIp, "--port", as_port_, "--db",
                                 dir_.path() + "/records.db"},
        dir_.path() + "/as.log");
    ASSERT_FALSE(waitForUdpReply(kAsIp, static_cast<unsigned short>(std::stoi(as_port_)),
                                 "TYPE=A\nNAME=ready.check\n")
                     .empty())
        << as_->log();
    fs_ =
        std::make_unique<ChildProcess>(binaryPath("fibonacci-server"),
                                       std::vector<std::string>{"--bind", kFsIp, "--port", fs_port_,
                                                                "--allow-upstream", kAllowList},
                                       dir_.path() + "/fs.log");
    us_ = std::make_unique<ChildProcess>(
        binaryPath("user-server"),
        std::vector<std::string>{"--bind", kUsIp, "--port", us_port_, "--threads", "2", "--cache",
                                 "off", "--allow-upstream", kAllowList, "--as-timeout-ms",
                                 std::to_string(kAsTimeoutMs), "--as-attempts",
                                 std::to_string(kAsAttempts)},
        dir_.path() + "/us.log");
    waitHealthy(fsUrl("/healthz"), *fs_);
    waitHealthy(usUrl("/healthz"), *us_);
  }

  static void waitHealthy(const std::string& url, ChildProcess& process) {
    const auto deadline = steady_clock::now() + seconds(10);
    while (steady_clock::now() < deadline) {
      if (request("GET", url, "", milliseconds(500)).status == 200) {
        return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << url << " not healthy within 10 s:\n" << process.log();
  }

  std::string fsUrl(const std::string& path) const {
    return "http://" + kFsIp + ":" + fs_port_ + path;
  }
  std::string usUrl(const std::string& path) const {
    return "http://" + kUsIp + ":" + us_port_ + path;
  }
  std::string fibonacciQuery(const std::string& hostname, const std::string& fs_port,
                             const std::string& as_ip, const std::string& as_port,
                             const std::string& number = "10") const {
    return usUrl("/fibonacci?hostname=" + hostname + "&fs_port=" + fs_port + "&number=" + number +
                 "&as_ip=" + as_ip + "&as_port=" + as_port);
  }
  std::string normalQuery() const {
    return fibonacciQuery("fibonacci.com", fs_port_, kAsIp, as_port_);
  }
  HttpResult registerName(const std::string& name, const std::string& ip,
                          const std::string& as_ip) {
    return request("PUT", fsUrl("/register"),
                   R"({"hostname":")" + name + R"(","ip":")" + ip + R"(","as_ip":")" + as_ip +
                       R"(","as_port":")" + (as_ip == kAsIp ? as_port_ : "53533") + R"("})");
  }

  TempDir dir_;
  std::string as_port_;
  std::string fs_port_;
  std::string us_port_;
  std::unique_ptr<ChildProcess> as_;
  std::unique_ptr<ChildProcess> fs_;
  std::unique_ptr<ChildProcess> us_;
};

TEST_F(UpstreamIsolationTest, ASilentAsDelaysNoOneElse) {
  ASSERT_EQ(registerName("fibonacci.com", kFsIp, kAsIp).status, 201);
  ASSERT_EQ(get(normalQuery()).body, "55");
  const TestSocket silent_as(kFakeIp, SOCK_DGRAM);  // never read, never answers

  // 200 requests, each for its own name (so that none share a query), all at the silent AS.
  std::vector<std::string> urls;
  for (int i = 0; i < 200; ++i) {
    urls.push_back(fibonacciQuery("silent" + std::to_string(i) + ".example", fs_port_, kFakeIp,
                                  silent_as.portText()));
  }
  ConcurrentGets silent(urls, seconds(5));
  // Wait (bounded) until the US holds all 200: its own gauge says so.
  const auto deadline = steady_clock::now() + seconds(5);
  double pending = 0;
  while (steady_clock::now() < deadline && pending < 200) {
    pending = sample(get(usUrl("/metrics")).body, "fibdns_user_server_pending_requests");
  }
  ASSERT_EQ(pending, 200) << "the 200 requests did not all reach the US";

  // Normal requests while the 200 wait: each must be answered at once. The fastest of three is
  // held to 50 ms (one can lose its core to the load on a busy 2-core machine); none may take as
  // long as one AS attempt (300 ms), which a request waiting behind the silent ones would.
  milliseconds fastest(std::chrono::hours(1));
  for (int i = 0; i < 3; ++i) {
    const HttpResult normal = get(normalQuery());
    EXPECT_EQ(normal.status, 200);
    EXPECT_EQ(normal.body, "55");
    EXPECT_LT(normal.elapsed, milliseconds(kAsTimeoutMs)) << "a normal request waited";
    fastest = std::min(fastest, normal.elapsed);
  }
  EXPECT_LT(fastest, milliseconds(50)) << "normal requests waited behind the silent AS";
  EXPECT_EQ(sample(get(usUrl("/metrics")).body, "fibdns_user_server_pending_requests"), 200)
      << "the silent requests were answered before the normal ones were measured";

  const auto& results = silent.wait();
  const milliseconds budget(kAsTimeoutMs * kAsAttempts + 500);
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].status, 504) << i << ": " << results[i].body;
    EXPECT_LT(results[i].elapsed, budget) << i;
  }
}

TEST_F(UpstreamIsolationTest, BeyondMaxPendingIs503WithRetryAfter) {
  const std::string port = std::to_string(freeTcpPort(kUsIp));
  ChildProcess small_us(binaryPath("user-server"),
                        {"--bind", kUsIp, "--port", port, "--max-pending", "5", "--allow-upstream",
                         kAllowList, "--as-timeout-ms", "1000", "--as-attempts", "1"},
                        dir_.path() + "/small-us.log");
  waitHealthy("http://" + kUsIp + ":" + port + "/healthz", small_us);
  const TestSocket silent_as(kFakeIp, SOCK_DGRAM);
  std::vector<std::string> urls;
  for (int i = 0; i < 5; ++i) {
    urls.push_back("http://" + kUsIp + ":" + port + "/fibonacci?hostname=h" + std::to_string(i) +
                   ".example&fs_port=1&number=1&as_ip=" + kFakeIp +
                   "&as_port=" + silent_as.portText());
  }
  ConcurrentGets held(urls, seconds(5));
  const auto deadline = steady_clock::now() + seconds(5);
  while (steady_clock::now() < deadline &&
         sample(get("http://" + kUsIp + ":" + port + "/metrics").body,
                "fibdns_user_server_pending_requests") < 5) {
  }
  const HttpResult busy = get("http://" + kUsIp + ":" + port +
                              "/fibonacci?hostname=one.more&fs_port=1&number=1&as_ip=" + kFakeIp +
                              "&as_port=" + silent_as.portText());
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_EQ(busy.retry_after, "1");
  EXPECT_LT(busy.elapsed, milliseconds(200));
  EXPECT_EQ(busy.body.find('\n'), std::string::npos);
  for (const HttpResult& result : held.wait()) {
    EXPECT_EQ(result.status, 504);
  }
}

TEST_F(UpstreamIsolationTest, AddressesOutsideTheAllowListGet403AndNothingIsSent) {
  const TestSocket outside_as(kOutsideIp, SOCK_DGRAM);
  const HttpResult us =
      get(fibonacciQuery("fibonacci.com", fs_port_, kOutsideIp, outside_as.portText()));
  EXPECT_EQ(us.status, 403) << us.body;
  EXPECT_NE(us.body.find(kOutsideIp), std::string::npos) << us.body;
  const HttpResult fs =
      request("PUT", fsUrl("/register"),
              R"({"hostname":"x.example","ip":"127.0.0.18","as_ip":")" + kOutsideIp +
                  R"(","as_port":")" + outside_as.portText() + R"("})");
  EXPECT_EQ(fs.status, 403) << fs.body;
  EXPECT_FALSE(outside_as.somethingArrived(milliseconds(200)))
      << "a datagram reached the address outside the allow-list";

  // The FS address comes from the AS: a name registered to an outside address is not dialled.
  const TestSocket outside_fs(kOutsideIp, SOCK_STREAM);
  ASSERT_EQ(registerName("elsewhere.example", kOutsideIp, kAsIp).status, 201);
  const HttpResult relayed =
      get(fibonacciQuery("elsewhere.example", outside_fs.portText(), kAsIp, as_port_));
  EXPECT_EQ(relayed.status, 403) << relayed.body;
  EXPECT_FALSE(outside_fs.somethingArrived(milliseconds(200)))
      << "a connection reached the FS address outside the allow-list";
}

TEST_F(UpstreamIsolationTest, TheUsRelaysOnlyNumbersAndOneLineFsErrors) {
  TestSocket web(kFakeIp, SOCK_STREAM);
  const Responder html(web, true, [](const std::string&) {
    const std::string page = "<html><body>internal admin page</body></html>";
    return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
           std::to_string(page.size()) + "\r\nConnection: close\r\n\r\n" + page;
  });
  ASSERT_EQ(registerName("intranet.example", kFakeIp, kAsIp).status, 201);
  const HttpResult result =
      get(fibonacciQuery("intranet.example", web.portText(), kAsIp, as_port_));
  EXPECT_EQ(result.status, 502);
  EXPECT_EQ(result.body.find("admin"), std::string::npos) << result.body;
  EXPECT_EQ(result.content_type.rfind("text/plain", 0), 0U) << result.content_type;

  // The real FS's own error is relayed as it is.
  ASSERT_EQ(registerName("fibonacci.com", kFsIp, kAsIp).status, 201);
  const HttpResult bad_number =
      get(fibonacciQuery("fibonacci.com", fs_port_, kAsIp, as_port_, "abc"));
  EXPECT_EQ(bad_number.status, 400);
  EXPECT_NE(bad_number.body.find("number"), std::string::npos);
}

TEST_F(UpstreamIsolationTest, AnAsOnIpv6LoopbackIsReachable) {
  TestSocket as6("::1", SOCK_DGRAM);
  const Responder answers(as6, false, [](const std::string& query) {
    return query == "TYPE=A\nNAME=six.example\n"
               ? "TYPE=A\nNAME=six.example\nVALUE=" + kFsIp + "\nTTL=5\n"
               : std::string("NOT FOUND!");
  });
  for (const std::string as_ip : {"::1", "%3A%3A1", "%5B::1%5D"}) {
    const HttpResult result = get(fibonacciQuery("six.example", fs_port_, as_ip, as6.portText()));
    EXPECT_EQ(result.status, 200) << as_ip << ": " << result.body;
    EXPECT_EQ(result.body, "55") << as_ip;
  }
  const HttpResult fs =
      request("PUT", fsUrl("/register"),
              R"({"hostname":"six.example","ip":"127.0.0.18","as_ip":"::1","as_port":")" +
                  as6.portText() + R"("})");
  // The stand-in answers a registration with NOT FOUND!, which is not a registration reply.
  EXPECT_EQ(fs.status, 502) << fs.body;
}

TEST_F(UpstreamIsolationTest, ConnectionCloseReallyCloses) {
  for (const auto& [ip, port] : {std::pair{kFsIp, fs_port_}, std::pair{kUsIp, us_port_}}) {
    for (const std::string head :
         {"GET /healthz HTTP/1.0\r\n\r\n",
          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<unsigned short>(std::stoi(port)));
      ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
      ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
      ASSERT_GT(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), 0);
      // Read to EOF, as an HTTP/1.0 client does: the server must close, not wait for the
      // keep-alive timeout (30 s).
      std::string reply;
      bool closed = false;
      const auto deadline = steady_clock::now() + seconds(3);
      while (steady_clock::now() < deadline) {
        pollfd waiter{fd, POLLIN, 0};
        if (::poll(&waiter, 1, 100) <= 0) {
          continue;
        }
        char buffer[1024];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
          closed = true;
          break;
        }
        reply.append(buffer, static_cast<std::size_t>(n));
      }
      ::close(fd);
      EXPECT_TRUE(closed) << ip << " kept the connection open after: " << head;
      EXPECT_NE(reply.find(" 200 OK\r\n"), std::string::npos) << reply;
      EXPECT_NE(reply.find("Connection: Close\r\n"), std::string::npos) << reply;
    }
  }
}

TEST_F(UpstreamIsolationTest, MetricsPassPromtoolAndCountExactly) {
  ASSERT_EQ(registerName("fibonacci.com", kFsIp, kAsIp).status, 201);
  const std::string us_before = get(usUrl("/metrics")).body;
  const std::string fs_before = get(fsUrl("/metrics")).body;

  // Sent: US 3×200, 1×400, 1×404; FS directly 2×200, 1×400 (plus the US's 3 FS calls: 3×200).
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(get(normalQuery()).status, 200);
  }
  ASSERT_EQ(get(usUrl("/fibonacci?hostname=fibonacci.com")).status, 400);
  ASSERT_EQ(get(fibonacciQuery("unknown.example", fs_port_, kAsIp, as_port_)).status, 404);
  ASSERT_EQ(get(fsUrl("/fibonacci?number=90")).status, 200);
  ASSERT_EQ(get(fsUrl("/fibonacci?number=91")).status, 200);
  ASSERT_EQ(get(fsUrl("/fibonacci?number=x")).status, 400);

  const HttpResult us_after = get(usUrl("/metrics"));
  const HttpResult fs_after = get(fsUrl("/metrics"));
  for (const HttpResult* scrape : {&us_after, &fs_after}) {
    EXPECT_EQ(scrape->status, 200);
    EXPECT_EQ(scrape->content_type, "text/plain; version=0.0.4; charset=utf-8");
    std::string output;
    EXPECT_EQ(promtool(scrape->body, dir_.path(), &output), 0) << output << "\n" << scrape->body;
  }
  auto delta = [](const std::string& before, const std::string& after, const std::string& series) {
    return sample(after, series) - sample(before, series);
  };
  const std::string& us = us_after.body;
  EXPECT_EQ(
      delta(us_before, us, "fibdns_user_server_requests_total{code=\"200\",path=\"/fibonacci\"}"),
      3);
  EXPECT_EQ(
      delta(us_before, us, "fibdns_user_server_requests_total{code=\"400\",path=\"/fibonacci\"}"),
      1);
  EXPECT_EQ(
      delta(us_before, us, "fibdns_user_server_requests_total{code=\"404\",path=\"/fibonacci\"}"),
      1);
  // --cache off: every valid request is a miss and one AS query.
  EXPECT_EQ(delta(us_before, us, "fibdns_user_server_cache_misses_total"), 4);
  EXPECT_EQ(delta(us_before, us, "fibdns_user_server_cache_hits_total"), 0);
  EXPECT_EQ(
      delta(us_before, us, "fibdns_user_server_as_query_duration_seconds_count{outcome=\"Ok\"}"),
      3);
  EXPECT_EQ(delta(us_before, us,
                  "fibdns_user_server_as_query_duration_seconds_count{outcome=\"NotFound\"}"),
            1);
  EXPECT_EQ(
      delta(us_before, us, "fibdns_user_server_fs_request_duration_seconds_count{outcome=\"Ok\"}"),
      3);
  EXPECT_EQ(sample(us, "fibdns_user_server_pending_requests"), 0);
  EXPECT_NE(us.find("fibdns_build_info{server=\"us\""), std::string::npos);
  EXPECT_GT(sample(us, "process_resident_memory_bytes"), 0);
  EXPECT_GT(sample(us, "process_open_fds"), 0);
  EXPECT_GT(sample(us, "process_start_time_seconds"), 0);
  EXPECT_NE(us.find("process_cpu_seconds_total "), std::string::npos);

  const std::string& fs = fs_after.body;
  EXPECT_EQ(delta(fs_before, fs,
                  "fibdns_fibonacci_server_requests_total{code=\"200\",path=\"/fibonacci\"}"),
            3 + 2);
  EXPECT_EQ(delta(fs_before, fs,
                  "fibdns_fibonacci_server_requests_total{code=\"400\",path=\"/fibonacci\"}"),
            1);
  EXPECT_EQ(delta(fs_before, fs, "fibdns_fibonacci_server_computation_duration_seconds_count"),
            3 + 2);
  EXPECT_EQ(delta(fs_before, fs,
                  "fibdns_fibonacci_server_requests_total{code=\"200\",path=\"/metrics\"}"),
            1);
  EXPECT_NE(fs.find("fibdns_build_info{server=\"fs\""), std::string::npos);
}

}  // namespace
}  // namespace fibdns::testing
