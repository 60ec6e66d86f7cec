#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/authority/dns_request_handler.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/security/ip_address.h"

namespace fibdns::authority {

/// What to do with one datagram besides the reply to send now.
struct DatagramOutcome {
  /// A valid lab registration allowed from its source: commit it, then answer with
  /// LabHandler::registrationReply().
  std::optional<dns::ARecord> registration;
  /// A DNS UPDATE to plan and commit, then answer with DnsRequestHandler::updateReply().
  std::shared_ptr<PendingUpdate> update;
  bool is_dns = false;               // the datagram was DNS (binary), not the lab's text
  bool valid_server_cookie = false;  // DNS: the client proved its address with a cookie
  bool refused_write = false;        // a registration, UPDATE or transfer refused by an ACL
  const char* refused_what = "";     // what was refused, for the log: "a DNS UPDATE", ...
};

/// One port, two formats: a datagram of printable text is a lab request (LabHandler); anything
/// binary goes to the DNS request handler. Text that is itself a lab reply gets no answer
/// (no reflection loops between servers, or with a spoofed source), and neither does an empty
/// datagram. Pure: one instance per serving thread (it keeps a scratch buffer), no sockets.
class DatagramHandler {
 public:
  /// Who may register over the lab protocol; empty: everyone.
  using RegistrationAllowed = std::function<bool(const security::IpAddress&)>;

  /// `dns` must outlive the handler.
  explicit DatagramHandler(const DnsRequestHandler& dns, RegistrationAllowed may_register = {})
      : dns_(dns), may_register_(std::move(may_register)) {}

  /// Decides what to do with one datagram from `source`.
  /// @param truncated the datagram was larger than the receive buffer: `datagram` is only its
  ///        beginning. A text request then gets BAD REQUEST!, a DNS query FORMERR.
  /// @param now seconds since the Unix epoch
  /// @param reply set to what to send back now (cleared first; left empty: send nothing)
  DatagramOutcome handle(std::span<const std::uint8_t> datagram, bool truncated,
                         const security::IpAddress& source, std::uint64_t now,
                         const RecordCache& zone, std::string& reply);

 private:
  const DnsRequestHandler& dns_;
  RegistrationAllowed may_register_;
  std::vector<std::uint8_t> dns_reply_ = std::vector<std::uint8_t>(DnsResponder::kEdnsPayload);
};

}  // namespace fibdns::authority
