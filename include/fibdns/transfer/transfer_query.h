#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "fibdns/dns/message.h"

/// Zone-transfer queries (AXFR, RFC 5936; IXFR, RFC 1995) and the decision of how to answer
/// them. Pure: no I/O, no access control (the caller checks --allow-transfer and TSIG first).
namespace fibdns::transfer {

/// RCODEs that dns::Rcode does not name (RFC 2136 §2.2).
inline constexpr std::uint8_t kRcodeNotAuth = 9;

enum class Transport { Udp, Tcp };

/// A well-framed AXFR or IXFR query, read with the one WireReader.
struct TransferQuery {
  dns::Header header;      // as received
  dns::Question question;  // QTYPE is kTypeAxfr or kTypeIxfr; the name keeps the client's case
  /// False when a record after the question is malformed (cut short, bad name, an IXFR authority
  /// SOA whose RDATA is not exactly an SOA's, more than one OPT): answered FORMERR.
  bool records_well_formed = true;
  /// IXFR: the serial of the SOA record in the authority section whose owner is the question
  /// name (RFC 1995 §3). nullopt when there is none (answered FORMERR). Always nullopt for AXFR.
  std::optional<std::uint32_t> client_serial;
  /// The query carried an OPT record (RFC 6891): every reply message gets one too.
  bool edns = false;

  bool isIxfr() const { return question.qtype == dns::kTypeIxfr; }
};

/// Reads `query` as a transfer query. nullopt when it is not one for the transfer code: fewer
/// than 12 bytes, QR set, opcode not QUERY, QDCOUNT != 1, a malformed question, or a QTYPE other
/// than AXFR/IXFR. The general responder's reject ladder answers those (drop, NOTIMP, FORMERR...),
/// so the caller can try this first and fall back to it. Never throws, never allocates.
std::optional<TransferQuery> parseTransferQuery(std::span<const std::uint8_t> query);

/// The shape of the answer to a transfer query.
enum class TransferAnswer {
  Reject,       // one header-only message (question echoed) with TransferPlan::rcode
  SingleSoa,    // one message: the zone's current SOA (IXFR from a serial at or past ours)
  Truncated,    // one message: header and question with TC set (IXFR over UDP, not up to date)
  FullZone,     // AXFR form: SOA, NS, every A record, SOA, in as many messages as needed
  Incremental,  // IXFR difference sequences (RFC 1995 §4), from the journal
};

/// What to answer, decided from the query and the zone's serial alone, before the caller reads
/// anything big (the zone's records for FullZone, the journal for Incremental).
struct TransferPlan {
  TransferAnswer answer = TransferAnswer::Reject;
  std::uint8_t rcode = 0;  // Reject: FORMERR, REFUSED, NOTIMP or NOTAUTH; otherwise NOERROR

  /// The caller must read the journal chain client_serial -> zone serial (ZoneJournal::readChain)
  /// and pass it to TransferStream::create, or call withoutJournal() when the journal no longer
  /// has the client's serial.
  bool needsJournal() const { return answer == TransferAnswer::Incremental; }
  /// The caller must fill ZoneContent::records.
  bool needsZoneRecords() const { return answer == TransferAnswer::FullZone; }
  /// The plan when the journal cannot bridge the client's serial: the whole zone in AXFR form
  /// (RFC 1995 §4). Other plans are returned unchanged.
  TransferPlan withoutJournal() const;
};

/// Decides the answer. `zone_serial` is the serial of the zone whose apex is the question name,
/// or nullopt when the question name is not the apex of a zone we serve.
///
/// The ladder, in order:
///  1. a malformed record after the question: FORMERR;
///  2. IXFR without the client's SOA in the authority section: FORMERR (RFC 1995 §3);
///  3. class other than IN: REFUSED;
///  4. AXFR over UDP: NOTIMP (RFC 5936 §4.2, as Knot and NSD answer);
///  5. question name not a zone apex: NOTAUTH (as Knot and NSD answer);
///  6. IXFR whose client serial equals ours or is newer (RFC 1982): SingleSoa, over UDP or TCP
///     (RFC 1995 §2);
///  7. IXFR over UDP otherwise: Truncated (the client retries over TCP);
///  8. IXFR over TCP otherwise: Incremental; the client serial exactly 2^31 away from ours
///     (undefined order): FullZone;
///  9. AXFR over TCP: FullZone.
TransferPlan planTransfer(const TransferQuery& query, Transport transport,
                          std::optional<std::uint32_t> zone_serial);

}  // namespace fibdns::transfer
