#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "fibdns/http/registrar.h"

namespace fibdns::upstream {

struct SelfRegistrationOptions {
  std::string name;     // the FS's host name
  std::string ip;       // a dotted quad, or "auto": the local address that routes to the AS
  std::string as_host;  // the AS: an IPv4 or IPv6 literal, or a host name
  std::uint16_t as_port = 53533;
  std::uint32_t ttl = 10;
  std::chrono::milliseconds first_delay{500};  // back-off: doubles after each failure...
  std::chrono::milliseconds max_delay{5000};   // ...up to this
};

/// The FS's optional start-up registration (container setups): a background thread that
/// registers `name` with the AS, retrying with back-off until the AS answers "Registration
/// Succeeded!", logging each failure. The thread blocks (on the system resolver, and on the
/// asynchronous Registrar's answer): it serves no one else. stop() (or the destructor) ends it
/// promptly: at most one in-flight exchange (its timeouts) later.
class SelfRegistration {
 public:
  SelfRegistration(const http::Registrar& registrar, SelfRegistrationOptions options);
  ~SelfRegistration();
  SelfRegistration(const SelfRegistration&) = delete;
  SelfRegistration& operator=(const SelfRegistration&) = delete;

  void start();
  void stop();

 private:
  void run();
  /// One attempt: resolve the AS, pick the address, register. Ok on success.
  Status attempt() const;

  const http::Registrar& registrar_;
  SelfRegistrationOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fibdns::upstream
