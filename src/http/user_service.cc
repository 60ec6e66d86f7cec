#include "fibdns/http/user_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace fibdns::http {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isTextPlain(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string lower;
  for (const char c : media) {
    if (c != ' ') {
      lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
  }
  return lower == "text/plain";
}

double secondsSince(const Clock& clock, Clock::TimePoint start) {
  return std::chrono::duration<double>(clock.now() - start).count();
}

std::string hostForMessage(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

HttpReply relayFibonacciAnswer(const FibonacciResponse& response, const std::string& where) {
  std::string_view body = response.body;
  const std::string what = "the FS at " + where + " answered " + std::to_string(response.status);
  if (!isTextPlain(response.content_type)) {
    return textReply(502, what + " with Content-Type '" + oneLine(response.content_type, 60) +
                              "', not a Fibonacci number or an FS error");
  }
  if (!body.empty() && body.back() == '\n') {
    body.remove_suffix(1);
  }
  if (response.status == 200) {
    if (body.empty() || !std::all_of(body.begin(), body.end(), isDigit)) {
      return textReply(502, what + " with a body that is not a decimal number (" +
                                std::to_string(response.body.size()) + " bytes)");
    }
    return textReply(200, std::string(body));
  }
  if (response.status >= 400 && response.status <= 599) {
    const bool one_line = !body.empty() && body.size() <= kMaxRelayedErrorLength &&
                          std::all_of(body.begin(), body.end(), [](char c) {
                            const auto byte = static_cast<unsigned char>(c);
                            return byte >= 0x20 && byte != 0x7f;
                          });
    if (!one_line) {
      return textReply(502, what + " with a body that is not a one-line error (" +
                                std::to_string(response.body.size()) + " bytes)");
    }
    return textReply(response.status, std::string(body));
  }
  return textReply(502, what + ", which is neither a Fibonacci number nor an FS error");
}

UserService::UserService(const DnsClient& dns, const FibonacciClient& fibonacci, const Clock& clock,
                         UserServiceOptions options, UserServiceHooks hooks)
    : dns_(dns),
      fibonacci_(fibonacci),
      clock_(clock),
      options_(options),
      hooks_(std::move(hooks)),
      cache_(clock, options.cache_entries) {}

void UserService::fibonacci(const RawUserQuery& query, Respond respond) {
  auto request = validateUserQuery(query);
  if (!request) {
    respond(errorReply(request.status()));
    return;
  }
  // Admission: a full table is an answer, at once (never a queue).
  std::size_t current = pending_.load();
  do {
    if (current >= options_.max_pending) {
      std::string reason = "busy: ";
      reason.append(std::to_string(current))
          .append(" requests are waiting on upstreams; try again");
      HttpReply busy = textReply(503, std::move(reason));
      busy.retry_after.assign(1, '1');
      respond(std::move(busy));
      return;
    }
  } while (!pending_.compare_exchange_weak(current, current + 1));

  // From here `respond` is always reached through `finish`, which releases the slot first.
  auto finish = [this, respond = std::move(respond)](HttpReply reply) {
    pending_.fetch_sub(1);
    respond(std::move(reply));
  };
  auto shared_request = std::make_shared<UserRequest>(*std::move(request));
  resolve(*shared_request, [this, shared_request, finish](const Result<Resolution>& resolution) {
    if (!resolution) {
      finish(errorReply(resolution.status()));
      return;
    }
    askFs(*shared_request, *resolution, finish);
  });
}

void UserService::resolve(const UserRequest& request,
                          std::function<void(const Result<Resolution>&)> next) {
  if (options_.cache) {
    if (auto cached = cache_.find(request.as, request.hostname)) {
      if (hooks_.cache_hit) {
        hooks_.cache_hit();
      }
      next(*cached);
      return;
    }
  }
  if (hooks_.cache_miss) {
    hooks_.cache_miss();
  }
  const std::string key = DnsCache::key(request.as, request.hostname);
  {
    const std::lock_guard lock(inflight_mutex_);
    auto [entry, first] = inflight_.try_emplace(key);
    entry->second.push_back(std::move(next));
    if (!first) {
      if (hooks_.coalesced) {
        hooks_.coalesced();
      }
      return;  // a query for this (AS, name) is in flight: wait for its answer
    }
  }
  const Clock::TimePoint start = clock_.now();
  const net::AsEndpoint as = request.as;
  const std::string hostname = request.hostname;
  dns_.resolve(as, hostname, [this, key, as, hostname, start](Result<Resolution> resolution) {
    if (hooks_.as_latency) {
      hooks_.as_latency(secondsSince(clock_, start), resolution.status().code());
    }
    if (resolution && options_.cache) {
      cache_.put(as, hostname, *resolution);
    }
    std::vector<std::function<void(const Result<Resolution>&)>> waiters;
    {
      const std::lock_guard lock(inflight_mutex_);
      const auto found = inflight_.find(key);
      if (found != inflight_.end()) {
        waiters = std::move(found->second);
        inflight_.erase(found);
      }
    }
    for (auto& waiter : waiters) {
      waiter(resolution);
    }
  });
}

void UserService::askFs(const UserRequest& request, const Resolution& resolution, Respond respond) {
  const Clock::TimePoint start = clock_.now();
  const std::string where = hostForMessage(resolution.address, request.fs_port);
  fibonacci_.fetch(
      resolution.address, request.fs_port, request.number,
      [this, start, where, respond = std::move(respond)](Result<FibonacciResponse> response) {
        if (hooks_.fs_latency) {
          hooks_.fs_latency(secondsSince(clock_, start), response.status().code());
        }
        if (!response) {
          respond(errorReply(response.status()));
          return;
        }
        respond(relayFibonacciAnswer(*response, where));
      });
}

}  // namespace fibdns::http
