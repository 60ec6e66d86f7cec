#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fibdns/common/result.h"
#include "fibdns/transfer/zone_content.h"

/// DNS NOTIFY messages (RFC 1996): the primary's "the zone changed" to its secondaries. Pure.
namespace fibdns::transfer {

inline constexpr std::uint8_t kOpcodeNotify = 4;

/// Writes a NOTIFY for the zone at `apex` into `out`: opcode NOTIFY, AA set, one question
/// (apex, SOA, IN) and the zone's current SOA in the answer section (RFC 1996 §3.7: a hint the
/// secondary may use to skip the SOA query). `id` should be random (the caller draws it).
/// @return the message's size in `out`; InvalidArgument when a name is not a valid host name
///         or `out` is too small (512 bytes always suffice).
Result<std::size_t> writeNotify(std::uint16_t id, std::string_view apex, const ApexRecords& soa,
                                std::span<std::uint8_t> out);

/// What a datagram received on the NOTIFY socket means for the NOTIFY with `id` and `apex`.
enum class NotifyReply {
  Acknowledged,  // QR, opcode NOTIFY, our ID, RCODE NOERROR, the question echoed (RFC 1996 §4.7)
  Refused,       // the same, but an error RCODE (e.g. REFUSED, NOTAUTH): retrying will not help
  Unrelated,     // not a reply to this NOTIFY (other ID, not a response, other opcode or zone,
                 // malformed): ignore it and keep waiting
};

/// Classifies `reply`, read with the one WireReader. Never throws.
NotifyReply classifyNotifyReply(std::span<const std::uint8_t> reply, std::uint16_t id,
                                std::string_view apex);

}  // namespace fibdns::transfer
