#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "fibdns/authority/dns_responder.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// One port, two formats: a datagram of printable text is a lab request (LabHandler); anything
/// binary goes to the DNS wire-format responder. Text that is itself a lab reply gets no answer
/// (no reflection loops between servers, or with a spoofed source), and neither does an empty
/// datagram. Pure: one instance per
/// serving thread (it keeps a scratch buffer), no sockets.
class DatagramHandler {
 public:
  /// `responder` must outlive the handler.
  explicit DatagramHandler(const DnsResponder& responder) : responder_(responder) {}

  /// Decides what to do with one datagram.
  /// @param truncated the datagram was larger than the receive buffer: `datagram` is only its
  ///        beginning. A text request then gets BAD REQUEST!, a DNS query FORMERR.
  /// @param reply set to what to send back now (cleared first; left empty: send nothing)
  /// @return a valid lab registration, which the caller must commit and then answer with
  ///         LabHandler::registrationReply(); `reply` is then empty
  std::optional<dns::ARecord> handle(std::span<const std::uint8_t> datagram, bool truncated,
                                     const RecordCache& zone, std::string& reply);

 private:
  const DnsResponder& responder_;
  std::array<std::uint8_t, DnsResponder::kEdnsPayload> dns_reply_{};
};

}  // namespace fibdns::authority
