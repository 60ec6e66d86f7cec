#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fibdns/authority/dns_request_handler.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/engine/writer.h"
#include "fibdns/metrics/authoritative_server_metrics.h"

namespace fibdns::engine {

/// The writer requests the serving loops make, whatever the transport: a lab registration and a
/// DNS UPDATE. `send` delivers the reply to the client, from the writer thread (it must not
/// block for long).

/// A lab registration: refused with "record limit reached" when it would add a name beyond
/// `max_records`; the reply is the lab protocol's ("Registration Succeeded!" once durable).
/// `metrics` (may be null) counts the outcome.
WriteRequest makeRegistrationRequest(dns::ARecord record, SteadyClock::time_point deadline,
                                     std::size_t max_records,
                                     std::function<void(const std::string& reply)> send,
                                     metrics::AuthoritativeServerMetrics* metrics = nullptr);

/// A DNS UPDATE (RFC 2136): planned on the writer thread against the newest records (so its
/// prerequisites hold at commit time), its own serial step, REFUSED when it would add names
/// beyond `max_records`, SERVFAIL when the commit fails; the reply signed when the request was.
/// `dns` must outlive the request.
WriteRequest makeUpdateRequest(const authority::DnsRequestHandler& dns,
                               std::shared_ptr<authority::PendingUpdate> update,
                               SteadyClock::time_point deadline, std::size_t max_records,
                               std::function<void(std::vector<std::uint8_t> reply)> send);

/// Seconds since the Unix epoch (TSIG and cookie time).
std::uint64_t unixSeconds();

}  // namespace fibdns::engine
