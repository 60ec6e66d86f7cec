#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fibdns/http/registrar.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {

struct FibonacciServiceOptions {
  std::uint64_t max_number = 100000;  // largest n that GET /fibonacci computes
  std::uint32_t register_ttl = 10;    // TTL of registrations whose body gives none
  std::size_t max_body = 4096;        // larger PUT /register bodies get 413
};

/// The FS's request handling, without HTTP plumbing: the Pistache adapter hands over decoded
/// inputs and sends back the HttpReply. Thread-safe (const; the Registrar is thread-safe).
/// Lives in its own library (fibdns_fs) because it links GMP, which the US must not.
class FibonacciService {
 public:
  FibonacciService(const Registrar& registrar, FibonacciServiceOptions options)
      : registrar_(registrar), options_(options) {}

  /// GET /fibonacci?number=N, given the raw (undecoded) value of `number`: 200 with F(N) as bare
  /// decimal text, or 400 naming the rule broken.
  HttpReply fibonacci(const std::optional<std::string>& raw_number) const;

  /// PUT /register with a JSON body, answered through `respond` (exactly once, possibly later and
  /// on the Registrar's thread): 201 when the AS accepted the registration, 400 for a bad body,
  /// 403 when as_ip is outside the allowed upstream ranges, 413 for a body over max_body, 502
  /// when the AS refused (with its reason) or answered nonsense, 504 when it did not answer.
  void registerName(std::string_view body, std::function<void(HttpReply)> respond) const;

  const FibonacciServiceOptions& options() const { return options_; }

 private:
  const Registrar& registrar_;
  FibonacciServiceOptions options_;
};

}  // namespace fibdns::http
