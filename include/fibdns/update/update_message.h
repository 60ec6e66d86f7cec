#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/message.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_writer.h"

/// RFC 2136 dynamic UPDATE: the message as values (this header), and what it asks of a zone
/// (update_plan.h). Pure: no I/O, no OpenSSL; TSIG is fibdns_security's.
///
/// How a server chains the pieces for one datagram or TCP frame with opcode UPDATE (as the test
/// tests/integration/tsig_nsupdate_test.cc does):
///   1. security::verifyRequest: error -> FORMERR (unsigned); a verdict that is not verified ->
///      NOTAUTH with appendResponseTsig (nothing else is looked at).
///   2. parseUpdate: error -> FORMERR (writeUpdateReply with a null request).
///   3. checkZone -> NOTAUTH; then security::UpdateAcl::isAllowed -> REFUSED.
///   4. checkPrerequisites, planUpdates (or planUpdate for all three) -> the RCODE, or changes.
///   5. Changes go to the writer as one transaction; reply NOERROR once durable, SERVFAIL if the
///      commit fails. Every reply to a signed request ends with appendResponseTsig.
namespace fibdns::update {

inline constexpr std::uint8_t kOpcodeUpdate = 5;

/// RCODEs an UPDATE reply uses (RFC 1035 §4.1.1, RFC 2136 §2.2).
enum class UpdateRcode : std::uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
  YxDomain = 6,
  YxRrset = 7,
  NxRrset = 8,
  NotAuth = 9,
  NotZone = 10,
};

/// One RR of the prerequisite or update section.
struct UpdateRecord {
  dns::WireName name;  // case as sent; compare with key() or suffixOffset()
  std::uint16_t type = 0;
  std::uint16_t rrclass = 0;
  std::uint32_t ttl = 0;
  /// RDATA in canonical form, so that RDATA compare as bytes (RFC 4034 §6.2): for A, NS and SOA
  /// with a non-empty RDATA, names are uncompressed and lower-cased; other types as received.
  std::vector<std::uint8_t> rdata;
};

/// An UPDATE message as values (RFC 2136 §2): the header's ZOCOUNT/PRCOUNT/UPCOUNT/ADCOUNT are
/// the qdcount/ancount/nscount/arcount of `header`.
struct UpdateMessage {
  dns::Header header;
  dns::WireName zone;
  std::uint16_t zone_type = 0;
  std::uint16_t zone_class = 0;
  std::vector<UpdateRecord> prerequisites;
  std::vector<UpdateRecord> updates;
};

/// Parses an UPDATE request with the one WireReader and name parser.
///
/// @param message  a request whose opcode is UPDATE (the caller dispatches on the opcode; QR=1
///   is the caller's to drop, as for queries).
/// @return InvalidArgument (answer FORMERR, RFC 2136 §3.1.1, §3.8) when the message is cut short
///   or malformed anywhere (the additional section is checked for shape only: it carries OPT and
///   TSIG), ZOCOUNT is not 1, the zone's type is not SOA, an A record's RDATA in the zone class
///   or class NONE is not 4 bytes, or an NS or SOA RDATA does not parse. Bytes after the last
///   counted record are ignored, as for queries. Never throws.
Result<UpdateMessage> parseUpdate(std::span<const std::uint8_t> message);

/// Writes the reply to an UPDATE (RFC 2136 §3.8): the request's ID, QR, opcode UPDATE, RD copied
/// (as BIND does), the RCODE, and the zone section echoed when the request was parsed (`request`
/// non-null; otherwise ZOCOUNT 0, e.g. for FORMERR). The other sections are empty. The caller
/// appends OPT and TSIG (the TSIG last) and checks writer.ok().
void writeUpdateReply(dns::WireWriter& writer, const dns::Header& request_header,
                      const UpdateMessage* request, UpdateRcode rcode);

}  // namespace fibdns::update
