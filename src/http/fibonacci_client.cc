#include "fibdns/http/fibonacci_client.h"

#include <curl/curl.h>

#include <memory>

#include "fibdns/http/params.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct BodySink {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
};

std::size_t writeBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t bytes = size * count;
  if (bytes > sink->limit - sink->body.size()) {
    sink->overflow = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

/// This thread's handle; curl keeps the connection cache in it, so consecutive calls from one
/// server worker reuse the TCP connection to the FS.
CURL* threadHandle() {
  thread_local CurlHandle handle(curl_easy_init());
  if (handle) {
    curl_easy_reset(handle.get());  // keeps live connections, clears the previous options
  }
  return handle.get();
}

long millis(std::chrono::milliseconds duration) { return static_cast<long>(duration.count()); }

}  // namespace

std::string buildFibonacciUrl(std::string_view host, std::uint16_t port, std::string_view number) {
  std::string url = "http://";
  url += host;
  url += ':';
  url += std::to_string(port);
  url += "/fibonacci?number=";
  url += percentEncode(number);
  return url;
}

Result<FibonacciResponse> CurlFibonacciClient::fetch(const std::string& host, std::uint16_t port,
                                                     const std::string& number) const {
  CURL* curl = threadHandle();
  if (curl == nullptr) {
    return internalError("curl_easy_init failed");
  }
  const std::string url = buildFibonacciUrl(host, port, number);
  BodySink sink;
  sink.limit = options_.max_body;
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, millis(options_.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, millis(options_.total_timeout));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &writeBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);  // error_text goes out of scope
  const std::string where = std::string(host) + ":" + std::to_string(port);
  if (code != CURLE_OK) {
    const std::string reason = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return deadlineExceeded("the FS at " + where + " did not answer in time (" + oneLine(reason) +
                              ")");
    }
    if (sink.overflow) {
      return unavailable("the FS at " + where + " sent more than " +
                         std::to_string(options_.max_body) + " bytes");
    }
    return unavailable("the FS at " + where + " is unreachable: " + oneLine(reason));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  FibonacciResponse response;
  response.status = static_cast<int>(status);
  response.body = std::move(sink.body);
  if (content_type != nullptr) {
    response.content_type = content_type;
  }
  return response;
}

Status initCurl() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return internalError("curl_global_init failed");
  }
  return Status::ok();
}

bool checkHealth(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  const CurlHandle curl(curl_easy_init());
  if (!curl) {
    return false;
  }
  const std::string& target = host == "0.0.0.0" ? std::string("127.0.0.1") : host;
  const std::string url = "http://" + target + ":" + std::to_string(port) + "/healthz";
  BodySink sink;
  sink.limit = 4096;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, millis(timeout));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &writeBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
  if (curl_easy_perform(curl.get()) != CURLE_OK) {
    return false;
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status == 200;
}

}  // namespace fibdns::http
