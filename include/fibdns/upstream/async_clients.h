#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "fibdns/common/allow_list.h"
#include "fibdns/http/dns_client.h"
#include "fibdns/http/fibonacci_client.h"
#include "fibdns/http/registrar.h"
#include "fibdns/upstream/upstream_loop.h"

/// The seams' implementations on the UpstreamLoop: nothing here blocks the calling thread. Each
/// call posts to the loop, which resolves a host name with c-ares if needed, checks the address
/// against the allow-list (PermissionDenied, nothing sent, when outside), then does the I/O.
/// Completions run on the loop thread. The loop and the allow-list must outlive these objects.
namespace fibdns::upstream {

/// DnsClient over the lab text protocol (UDP). `as.ip` may be an IPv4 or IPv6 literal or a host
/// name.
class UdpDnsClient : public http::DnsClient {
 public:
  UdpDnsClient(UpstreamLoop& loop, const AllowList& allowed, UdpExchangeOptions options)
      : loop_(loop), allowed_(allowed), options_(options) {}
  void resolve(const net::AsEndpoint& as, const std::string& hostname,
               http::ResolutionCallback done) const override;

 private:
  UpstreamLoop& loop_;
  const AllowList& allowed_;
  UdpExchangeOptions options_;
};

/// Registrar over the lab text protocol (UDP).
class UdpRegistrar : public http::Registrar {
 public:
  UdpRegistrar(UpstreamLoop& loop, const AllowList& allowed, UdpExchangeOptions options)
      : loop_(loop), allowed_(allowed), options_(options) {}
  void registerRecord(const net::AsEndpoint& as, const dns::ARecord& record,
                      http::RegistrationCallback done) const override;

 private:
  UpstreamLoop& loop_;
  const AllowList& allowed_;
  UdpExchangeOptions options_;
};

/// FibonacciClient over libcurl's multi interface; connections to an FS are kept alive and reused
/// across requests (one connection cache for the loop).
class CurlFibonacciClient : public http::FibonacciClient {
 public:
  CurlFibonacciClient(UpstreamLoop& loop, const AllowList& allowed, HttpGetOptions options)
      : loop_(loop), allowed_(allowed), options_(options) {}
  void fetch(const std::string& host, std::uint16_t port, const std::string& number,
             http::FibonacciCallback done) const override;

 private:
  UpstreamLoop& loop_;
  const AllowList& allowed_;
  HttpGetOptions options_;
};

/// curl_global_init(CURL_GLOBAL_DEFAULT); call once from main before starting threads.
Status initCurl();

/// GET http://HOST:PORT/healthz (blocking, libcurl easy); true when it answered 200 within
/// `timeout`. `host` is the server's --bind address: 0.0.0.0 is asked on 127.0.0.1, :: on ::1.
bool checkHealth(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace fibdns::upstream
