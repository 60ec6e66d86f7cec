#pragma once

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/net/udp_lab_client.h"

namespace fibdns::http {

/// Registers a name with an AS: the FS's seam that unit tests mock.
///
/// Contract: Ok only when the AS answered "Registration Succeeded!". Otherwise
///  * Unavailable: the AS answered, but with a failure (the message carries its reason) or with
///    something unparsable;
///  * DeadlineExceeded: no reply in time (after the retries);
///  * InvalidArgument: the AS address could not be resolved.
/// Implementations are thread-safe. Never throws.
class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual Status registerRecord(const net::AsEndpoint& as, const dns::ARecord& record) const = 0;
};

/// Registrar over the lab text protocol (UdpLabClient). `as.ip` may be a host name: it is resolved
/// with the system resolver (IPv4) on each call.
class UdpRegistrar : public Registrar {
 public:
  explicit UdpRegistrar(const net::UdpLabClient& client) : client_(client) {}
  Status registerRecord(const net::AsEndpoint& as, const dns::ARecord& record) const override;

 private:
  const net::UdpLabClient& client_;
};

}  // namespace fibdns::http
