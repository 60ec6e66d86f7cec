// The three real binaries as separate processes, each on its own loopback address at its
// standard port: AS 127.0.0.2:53533, FS 127.0.0.3:9090, US 127.0.0.4:8080 (and a second FS on
// 127.0.0.5:9090). The US only learns the FS's address from the AS, so a 200 proves it dialled
// the address the AS returned. Every wait is bounded; every process is killed and reaped by its
// guard.
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
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

const std::string kAsIp = "127.0.0.2";
const std::string kFsIp = "127.0.0.3";
const std::string kUsIp = "127.0.0.4";
const std::string kOtherFsIp = "127.0.0.5";

struct HttpResult {
  long status = 0;  // 0: no HTTP answer (connection failed, timeout)
  std::string body;
  long new_connections = 0;
};

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

/// A libcurl easy handle: requests made through one client reuse its connection.
class HttpClient {
 public:
  HttpClient() : curl_(curl_easy_init()) {}
  ~HttpClient() { curl_easy_cleanup(curl_); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult request(const std::string& method, const std::string& url,
                     const std::string& body = "", milliseconds timeout = milliseconds(2500)) {
    HttpResult result;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &appendBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    if (curl_easy_perform(curl_) == CURLE_OK) {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &result.status);
      curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &result.new_connections);
    }
    return result;
  }

 private:
  CURL* curl_;
};

HttpResult httpGet(const std::string& url, milliseconds timeout = milliseconds(2500)) {
  HttpClient client;
  return client.request("GET", url, "", timeout);
}

HttpResult httpPut(const std::string& url, const std::string& body) {
  HttpClient client;
  return client.request("PUT", url, body);
}

/// Polls `url` until it answers `status` or `timeout` passes (bounded; 20 ms between tries).
HttpResult waitForStatus(const std::string& url, long status, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  HttpResult last;
  while (steady_clock::now() < deadline) {
    last = httpGet(url, milliseconds(1000));
    if (last.status == status) {
      return last;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return last;
}

std::string registrationBody(const std::string& name, const std::string& ip) {
  return R"({"hostname": ")" + name + R"(", "ip": ")" + ip + R"(", "as_ip": ")" + kAsIp +
         R"(", "as_port": "53533"})";
}

std::string usUrl(const std::string& query) {
  return "http://" + kUsIp + ":8080/fibonacci?" + query;
}

std::string fullQuery(const std::string& hostname = "fibonacci.com",
                      const std::string& number = "10") {
  return "hostname=" + hostname + "&fs_port=9090&number=" + number + "&as_ip=" + kAsIp +
         "&as_port=53533";
}

class HttpServersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    startAs();
    fs_ = startFs(kFsIp, {});
    us_ = std::make_unique<ChildProcess>(
        binaryPath("user-server"),
        std::vector<std::string>{"--bind", kUsIp, "--port", "8080", "--threads", "2"},
        dir_.path() + "/us.log");
    waitHealthy(kUsIp, 8080, *us_);
  }

  void startAs() {
    as_ = std::make_unique<ChildProcess>(
        binaryPath("authoritative-server"),
        std::vector<std::string>{"--bind", kAsIp, "--port", "53533", "--db",
                                 dir_.path() + "/records.db"},
        dir_.path() + "/as.log");
    ASSERT_FALSE(waitForUdpReply(kAsIp, 53533, "TYPE=A\nNAME=ready.check\n").empty())
        << "the AS did not answer within 10 s:\n"
        << as_->log();
  }

  std::unique_ptr<ChildProcess> startFs(const std::string& ip, std::vector<std::string> extra) {
    std::vector<std::string> args{"--bind", ip, "--port", "9090", "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto fs = std::make_unique<ChildProcess>(binaryPath("fibonacci-server"), args,
                                             dir_.path() + "/fs-" + ip + ".log");
    waitHealthy(ip, 9090, *fs);
    return fs;
  }

  static void waitHealthy(const std::string& ip, int port, ChildProcess& process) {
    const HttpResult health =
        waitForStatus("http://" + ip + ":" + std::to_string(port) + "/healthz", 200, seconds(10));
    ASSERT_EQ(health.status, 200) << "not healthy within 10 s:\n" << process.log();
    EXPECT_EQ(health.body, "ok");
  }

  void registerName(const std::string& name, const std::string& ip,
                    const std::string& fs_ip = kFsIp) {
    const HttpResult put =
        httpPut("http://" + fs_ip + ":9090/register", registrationBody(name, ip));
    ASSERT_EQ(put.status, 201) << put.body;
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> as_;
  std::unique_ptr<ChildProcess> fs_;
  std::unique_ptr<ChildProcess> us_;
};

TEST_F(HttpServersTest, RegisterThenUserServerAnswers55) {
  registerName("fibonacci.com", kFsIp);
  const HttpResult result = httpGet(usUrl(fullQuery()));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "55");
  EXPECT_EQ(httpGet(usUrl(fullQuery("fibonacci.com", "100"))).body, "354224848179261915075");
}

TEST_F(HttpServersTest, RegistrationWithHostbaneAndNumericPort) {
  const HttpResult put = httpPut("http://" + kFsIp + ":9090/register/",
                                 R"({"hostbane":"alias.com","ip":")" + kFsIp + R"(","as_ip":")" +
                                     kAsIp + R"(","as_port":53533})");
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(httpGet(usUrl(fullQuery("alias.com"))).body, "55");
}

TEST_F(HttpServersTest, EachMissingParameterIs400) {
  registerName("fibonacci.com", kFsIp);
  const std::vector<std::string> parts{"hostname=fibonacci.com", "fs_port=9090", "number=10",
                                       "as_ip=" + kAsIp, "as_port=53533"};
  const char* names[] = {"hostname", "fs_port", "number", "as_ip", "as_port"};
  for (std::size_t skip = 0; skip < parts.size(); ++skip) {
    std::string query;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i != skip) {
        query += (query.empty() ? "" : "&") + parts[i];
      }
    }
    const HttpResult result = httpGet(usUrl(query));
    EXPECT_EQ(result.status, 400) << query;
    EXPECT_NE(result.body.find(names[skip]), std::string::npos) << result.body;
  }
}

TEST_F(HttpServersTest, UnknownHostnameIs404) {
  const HttpResult result = httpGet(usUrl(fullQuery("unknown.example")));
  EXPECT_EQ(result.status, 404);
  EXPECT_NE(result.body.find("unknown.example"), std::string::npos);
}

TEST_F(HttpServersTest, BadNumberIsPassedThroughFromTheFs) {
  registerName("fibonacci.com", kFsIp);
  const HttpResult direct = httpGet("http://" + kFsIp + ":9090/fibonacci?number=abc");
  ASSERT_EQ(direct.status, 400);
  const HttpResult result = httpGet(usUrl(fullQuery("fibonacci.com", "abc")));
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.body, direct.body);
}

TEST_F(HttpServersTest, AsStoppedGives504Within3Seconds) {
  registerName("fibonacci.com", kFsIp);
  ASSERT_EQ(as_->stop(SIGTERM), 0);
  const auto start = steady_clock::now();
  const HttpResult result = httpGet(usUrl(fullQuery("never.cached")), milliseconds(5000));
  EXPECT_EQ(result.status, 504) << result.body;
  EXPECT_LT(steady_clock::now() - start, seconds(3));
  // Registration through the FS with no AS: 504 as well.
  const HttpResult put =
      httpPut("http://" + kFsIp + ":9090/register", registrationBody("x.com", kFsIp));
  EXPECT_EQ(put.status, 504) << put.body;
}

TEST_F(HttpServersTest, FsStoppedGives502) {
  registerName("fibonacci.com", kFsIp);
  ASSERT_EQ(fs_->stop(SIGTERM), 0);
  const HttpResult result = httpGet(usUrl(fullQuery()));
  EXPECT_EQ(result.status, 502) << result.body;
}

TEST_F(HttpServersTest, LargestTtlIsAcceptedAndASilentAsPortIs504) {
  // (An AS refusal, 502 with its reason, is covered by the unit tests: every registration the
  // real AS would refuse, the FS already rejects with 400.)
  const HttpResult put = httpPut("http://" + kFsIp + ":9090/register",
                                 R"({"hostname":"a.com","ip":"1.2.3.4","as_ip":")" + kAsIp +
                                     R"(","as_port":53533,"ttl":2147483647})");
  EXPECT_EQ(put.status, 201) << put.body;
  const HttpResult nobody =
      httpPut("http://" + kFsIp + ":9090/register",
              R"({"hostname":"a.com","ip":"1.2.3.4","as_ip":")" + kAsIp + R"(","as_port":9})");
  EXPECT_EQ(nobody.status, 504) << nobody.body;
}

TEST_F(HttpServersTest, ReRegistrationTakesEffectAfterTheCachedTtl) {
  // FSs that register with TTL 1 s, so the US may cache the answer for 1 s only.
  fs_->stop(SIGTERM);
  fs_ = startFs(kFsIp, {"--register-ttl", "1"});
  auto other_fs = startFs(kOtherFsIp, {"--register-ttl", "1"});
  registerName("moving.com", kFsIp);
  ASSERT_EQ(httpGet(usUrl(fullQuery("moving.com"))).status, 200);  // cached: -> 127.0.0.3

  registerName("moving.com", kOtherFsIp, kOtherFsIp);
  ASSERT_EQ(fs_->stop(SIGTERM), 0);
  // The cached answer still points at the stopped FS...
  const HttpResult stale = httpGet(usUrl(fullQuery("moving.com")));
  EXPECT_EQ(stale.status, 502) << stale.body;
  // ...until its TTL passes; then the US asks the AS again and reaches the other FS.
  const HttpResult fresh = waitForStatus(usUrl(fullQuery("moving.com")), 200, seconds(5));
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.body, "55");
}

TEST_F(HttpServersTest, SelfRegistrationRetriesUntilTheAsAnswers) {
  ASSERT_EQ(as_->stop(SIGTERM), 0);
  auto self = startFs(kOtherFsIp, {"--register-name", "self.fib", "--register-ip", kOtherFsIp,
                                   "--as-address", kAsIp + ":53533"});
  startAs();  // the FS has been failing meanwhile; its back-off is at most 5 s
  const HttpResult result = waitForStatus(usUrl(fullQuery("self.fib")), 200, seconds(10));
  EXPECT_EQ(result.status, 200) << result.body << "\n" << self->log();
  EXPECT_NE(self->log().find("self-registration attempt 1 failed"), std::string::npos)
      << self->log();
}

TEST_F(HttpServersTest, KeepAliveWithoutConnectionHeader) {
  registerName("fibonacci.com", kFsIp);
  for (const std::string& url :
       {"http://" + kFsIp + ":9090/fibonacci?number=90", usUrl(fullQuery())}) {
    HttpClient client;
    ASSERT_EQ(client.request("GET", url).status, 200);
    const HttpResult second = client.request("GET", url);
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.new_connections, 0) << "connection not reused for " << url;
  }
}

TEST_F(HttpServersTest, ErrorsAreOneLineText) {
  const HttpResult not_found = httpGet("http://" + kFsIp + ":9090/nope");
  EXPECT_EQ(not_found.status, 404);
  HttpClient client;
  const HttpResult wrong_method = client.request("POST", usUrl(fullQuery()));
  EXPECT_EQ(wrong_method.status, 405);
  const HttpResult big = httpPut("http://" + kFsIp + ":9090/register", std::string(5000, ' '));
  EXPECT_EQ(big.status, 413);
  const HttpResult huge = httpPut("http://" + kFsIp + ":9090/register", std::string(100000, ' '));
  EXPECT_EQ(huge.status, 413);
  for (const HttpResult* result : {&not_found, &wrong_method, &big, &huge}) {
    EXPECT_FALSE(result->body.empty());
    EXPECT_EQ(result->body.find('\n'), std::string::npos) << result->body;
    EXPECT_EQ(result->body.find('<'), std::string::npos) << result->body;
  }
}

TEST_F(HttpServersTest, HealthCheckFlagAndCleanStop) {
  int status = -1;
  runCommand(binaryPath("fibonacci-server") + " --health-check --bind " + kFsIp + " --port 9090",
             &status);
  EXPECT_EQ(status, 0);
  runCommand(binaryPath("user-server") + " --health-check --bind " + kUsIp + " --port 8080",
             &status);
  EXPECT_EQ(status, 0);
  runCommand(binaryPath("user-server") + " --health-check --bind " + kUsIp + " --port 8081",
             &status);
  EXPECT_NE(status, 0);
  const int fs_exit = fs_->stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(fs_exit) && WEXITSTATUS(fs_exit) == 0) << fs_exit;
  const int us_exit = us_->stop(SIGINT);
  EXPECT_TRUE(WIFEXITED(us_exit) && WEXITSTATUS(us_exit) == 0) << us_exit;
}

}  // namespace
}  // namespace fibdns::testing
