#pragma once

#include <functional>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/net/udp_lab_client.h"

namespace fibdns::http {

using RegistrationCallback = std::function<void(Status)>;

/// Registers a name with an AS, asynchronously: the FS's seam that unit tests fake.
///
/// Contract: `done` is called exactly once: Ok only when the AS answered "Registration
/// Succeeded!". Otherwise
///  * Unavailable: the AS answered, but with a failure (the message carries its reason) or with
///    something unparsable;
///  * DeadlineExceeded: no reply in time (after the retries);
///  * InvalidArgument: the AS host name does not resolve;
///  * PermissionDenied: the AS address is outside the allowed upstream ranges (nothing was sent);
///  * FailedPrecondition: the client is shutting down.
/// `done` may run on another thread, and before registerRecord() returns. Never blocks on I/O,
/// never throws. Thread-safe.
class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual void registerRecord(const net::AsEndpoint& as, const dns::ARecord& record,
                              RegistrationCallback done) const = 0;
};

}  // namespace fibdns::http
