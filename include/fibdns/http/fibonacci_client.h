#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

namespace fibdns::http {

/// What the FS answered, passed through by the US.
struct FibonacciResponse {
  int status = 0;
  std::string body;
  std::string content_type;  // empty when the FS sent none

  bool operator==(const FibonacciResponse&) const = default;
};

/// Asks an FS for F(number): the US's seam that unit tests mock.
///
/// Contract: whatever HTTP answer the FS gave (any status) is a value; otherwise
///  * Unavailable: the FS could not be reached (refused, unresolvable, reset, no response);
///  * DeadlineExceeded: it did not answer in time.
/// `number` is passed as given; the implementation percent-encodes it. Thread-safe. Never throws.
class FibonacciClient {
 public:
  virtual ~FibonacciClient() = default;
  virtual Result<FibonacciResponse> fetch(const std::string& host, std::uint16_t port,
                                          const std::string& number) const = 0;
};

/// "http://HOST:PORT/fibonacci?number=<percent-encoded number>".
std::string buildFibonacciUrl(std::string_view host, std::uint16_t port, std::string_view number);

struct CurlFibonacciClientOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds total_timeout{2000};
  std::size_t max_body = 64U << 20U;  // a larger answer counts as a bad upstream (Unavailable)
};

/// FibonacciClient over libcurl. One easy handle per calling thread (thread_local), so
/// connections to an FS are kept alive and reused across requests. Uses CURLOPT_NOSIGNAL.
/// curl_global_init must have run (see initCurl()) before the first call.
class CurlFibonacciClient : public FibonacciClient {
 public:
  explicit CurlFibonacciClient(CurlFibonacciClientOptions options = {}) : options_(options) {}
  Result<FibonacciResponse> fetch(const std::string& host, std::uint16_t port,
                                  const std::string& number) const override;

 private:
  CurlFibonacciClientOptions options_;
};

/// curl_global_init(CURL_GLOBAL_DEFAULT); call once from main before starting threads.
Status initCurl();

/// GET http://HOST:PORT/healthz with libcurl; true when it answered 200 within `timeout`.
/// `host` is the server's --bind address: 0.0.0.0 (every address) is asked on 127.0.0.1.
bool checkHealth(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace fibdns::http
