#include "fibdns/upstream/async_clients.h"

#include <curl/curl.h>

#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include "fibdns/dns/lab_codec.h"
#include "fibdns/http/reply.h"

namespace fibdns::upstream {
namespace {

/// A host-name failure names the parameter; other failures pass through.
Status asAddressProblem(const Status& status) {
  if (status.code() == StatusCode::InvalidArgument) {
    return invalidArgument("as_ip: " + status.message());
  }
  return status;
}

Result<http::Resolution> resolutionFrom(const Result<std::string>& reply, const std::string& where,
                                        const std::string& hostname) {
  if (!reply) {
    if (reply.status().code() == StatusCode::DeadlineExceeded) {
      return deadlineExceeded("no answer from the AS at " + where + " for " + hostname);
    }
    return Status(reply.status().code(), "AS at " + where + ": " + reply.status().message());
  }
  return std::visit(
      [&](const auto& parsed) -> Result<http::Resolution> {
        using T = std::decay_t<decltype(parsed)>;
        if constexpr (std::is_same_v<T, dns::lab::Answer>) {
          if (parsed.record.name != hostname) {
            return unavailable("the AS at " + where + " answered for another name (" +
                               http::oneLine(parsed.record.name, 80) + ")");
          }
          return http::Resolution{parsed.record.address.toString(), parsed.record.ttl};
        } else if constexpr (std::is_same_v<T, dns::lab::NotFoundReply>) {
          return notFound("hostname not found: " + hostname);
        } else if constexpr (std::is_same_v<T, dns::lab::ErrorReply>) {
          return unavailable(http::oneLine("the AS at " + where + " answered " + parsed.kind + " " +
                                           parsed.reason));
        } else if constexpr (std::is_same_v<T, dns::lab::UnparsableReply>) {
          return unavailable(
              http::oneLine("unparsable answer from the AS at " + where + ": " + parsed.reason));
        } else {
          return unavailable("unexpected answer from the AS at " + where);
        }
      },
      dns::lab::parseReply(*reply));
}

Status registrationFrom(const Result<std::string>& reply, const std::string& where) {
  if (!reply) {
    if (reply.status().code() == StatusCode::DeadlineExceeded) {
      return deadlineExceeded("no reply from the AS at " + where);
    }
    return {reply.status().code(), "AS at " + where + ": " + reply.status().message()};
  }
  return std::visit(
      [&](const auto& parsed) -> Status {
        using T = std::decay_t<decltype(parsed)>;
        if constexpr (std::is_same_v<T, dns::lab::RegistrationSucceeded>) {
          return Status::ok();
        } else if constexpr (std::is_same_v<T, dns::lab::ErrorReply>) {
          std::string message = "the AS refused the registration: " + parsed.kind;
          if (!parsed.reason.empty()) {
            message += " " + parsed.reason;
          }
          return unavailable(http::oneLine(message));
        } else if constexpr (std::is_same_v<T, dns::lab::UnparsableReply>) {
          return unavailable(
              http::oneLine("unexpected reply from the AS at " + where + ": " + parsed.reason));
        } else {
          return unavailable("unexpected reply from the AS at " + where +
                             " (not a registration reply)");
        }
      },
      dns::lab::parseReply(*reply));
}

const Status kShuttingDown = failedPrecondition("shutting down");

}  // namespace

void UdpDnsClient::resolve(const net::AsEndpoint& as, const std::string& hostname,
                           http::ResolutionCallback done) const {
  auto shared_done = std::make_shared<http::ResolutionCallback>(std::move(done));
  const bool posted = loop_.post([this, as, hostname, shared_done] {
    loop_.resolveAllowed(as.ip, allowed_, [this, as, hostname, shared_done](Result<IpAddress> ip) {
      if (!ip) {
        (*shared_done)(asAddressProblem(ip.status()));
        return;
      }
      const net::AsEndpoint target{ip->toString(), as.port};
      loop_.exchangeUdp(target, dns::lab::encodeQuery(hostname), options_,
                        [target, hostname, shared_done](Result<std::string> reply) {
                          (*shared_done)(resolutionFrom(reply, net::describe(target), hostname));
                        });
    });
  });
  if (!posted) {
    (*shared_done)(kShuttingDown);
  }
}

void UdpRegistrar::registerRecord(const net::AsEndpoint& as, const dns::ARecord& record,
                                  http::RegistrationCallback done) const {
  auto shared_done = std::make_shared<http::RegistrationCallback>(std::move(done));
  const bool posted = loop_.post([this, as, record, shared_done] {
    loop_.resolveAllowed(as.ip, allowed_, [this, as, record, shared_done](Result<IpAddress> ip) {
      if (!ip) {
        (*shared_done)(asAddressProblem(ip.status()));
        return;
      }
      const net::AsEndpoint target{ip->toString(), as.port};
      loop_.exchangeUdp(target, dns::lab::encodeRegistration(record), options_,
                        [target, shared_done](Result<std::string> reply) {
                          (*shared_done)(registrationFrom(reply, net::describe(target)));
                        });
    });
  });
  if (!posted) {
    (*shared_done)(kShuttingDown);
  }
}

void CurlFibonacciClient::fetch(const std::string& host, std::uint16_t port,
                                const std::string& number, http::FibonacciCallback done) const {
  auto shared_done = std::make_shared<http::FibonacciCallback>(std::move(done));
  const bool posted = loop_.post([this, host, port, number, shared_done] {
    loop_.resolveAllowed(
        host, allowed_, [this, host, port, number, shared_done](Result<IpAddress> ip) {
          if (!ip) {
            (*shared_done)(Status(ip.status().code(), "FS: " + ip.status().message()));
            return;
          }
          const std::string where = net::describe({ip->toString(), port});
          loop_.httpGet(
              http::buildFibonacciUrl(ip->toString(), port, number), options_,
              [where, shared_done](Result<HttpGetResponse> response) {
                if (!response) {
                  (*shared_done)(Status(response.status().code(),
                                        "the FS at " + where + ": " + response.status().message()));
                  return;
                }
                (*shared_done)(http::FibonacciResponse{response->status, std::move(response->body),
                                                       std::move(response->content_type)});
              });
        });
  });
  if (!posted) {
    (*shared_done)(kShuttingDown);
  }
}

Status initCurl() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return internalError("curl_global_init failed");
  }
  return Status::ok();
}

namespace {
std::size_t discardBody(char* /*data*/, std::size_t size, std::size_t count,
                        void* /*user*/) noexcept {
  return size * count;
}
}  // namespace

bool checkHealth(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                 &curl_easy_cleanup);
  if (!curl) {
    return false;
  }
  std::string target = host;
  if (host == "0.0.0.0") {
    target = "127.0.0.1";
  } else if (host == "::") {
    target = "::1";
  }
  const bool v6 = target.find(':') != std::string::npos;
  const std::string url =
      "http://" + (v6 ? "[" + target + "]" : target) + ":" + std::to_string(port) + "/healthz";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &discardBody);
  if (curl_easy_perform(curl.get()) != CURLE_OK) {
    return false;
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status == 200;
}

}  // namespace fibdns::upstream
