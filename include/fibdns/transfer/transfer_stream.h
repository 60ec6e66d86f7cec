#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/transfer/change_set.h"
#include "fibdns/transfer/transfer_query.h"
#include "fibdns/transfer/zone_content.h"

namespace fibdns::transfer {

/// How big each message of a transfer may be.
struct MessageLimits {
  /// The largest message: 65535 over TCP (RFC 1035 §4.2.2: the 2-byte length prefix), the
  /// client's UDP limit (512, or its EDNS payload) over UDP.
  std::size_t max_message_size = 65535;
  /// Bytes kept free at the end of every message for records appended afterwards, i.e. the TSIG
  /// RR a signer adds (RFC 8945 §5.3.1 signs every message of a transfer). Each message is then
  /// at most max_message_size - reserved_tail bytes when next() returns it.
  std::size_t reserved_tail = 0;
};

/// The messages that answer one transfer query, produced one at a time so that a 100,000-name
/// zone never sits in memory twice and the caller can sign and send each message before the
/// next is built.
///
/// Every message: the query's ID, QR, opcode QUERY, RD and CD copied, AA set (clear on a
/// Reject), the question echoed byte for byte (RFC 5936 §2.2.1 allows it in every message; when
/// it spells the apex as we do, later names point into it), names compressed (RFC 1035 §4.1.4)
/// but always in the zone's own lower case, whatever case the client asked in, and an OPT
/// record (payload 1232, version 0) when the query had one. The answer section holds, across
/// the messages and in order:
///  * FullZone: apex SOA, apex NS, each A record of ZoneContent::records, apex SOA (RFC 5936
///    §2.2);
///  * Incremental: SOA(current), then per step: SOA(from), the step's removed records,
///    SOA(to), its added records; then SOA(current) (RFC 1995 §4). Only records owned by the zone
///    (ZoneContent::owns) are sent. To send one condensed difference instead of every step,
///    pass {condense(chain)} as the chain;
///  * SingleSoa: SOA(current); Truncated and Reject: nothing.
/// Each message holds as many records as fit; a record never straddles two messages.
///
/// Lifetime: the stream owns everything it was given except the names ZoneContent::records
/// point to (the caller's snapshot), which must outlive it. Move-only. Not thread-safe; one
/// stream per transfer, used by one thread.
class TransferStream {
 public:
  /// Prepares the answer that `plan` (from planTransfer) describes.
  /// @param zone the zone whose apex is the question name; for Reject it may be empty
  /// @param chain Incremental only: the journal steps from the client's serial to the zone's
  ///        serial (isChain must hold); ignored otherwise
  /// @return InvalidArgument when the limits leave no room for a header, the question and the
  ///         OPT, when an apex, SOA or NS name is not a valid host name, or when an Incremental
  ///         plan gets a chain that does not lead from the client's serial to the zone's.
  static Result<TransferStream> create(const TransferQuery& query, const TransferPlan& plan,
                                       ZoneContent zone, std::vector<ChangeSet> chain,
                                       MessageLimits limits);

  TransferStream(TransferStream&&) = default;
  TransferStream& operator=(TransferStream&&) = default;
  TransferStream(const TransferStream&) = delete;
  TransferStream& operator=(const TransferStream&) = delete;
  ~TransferStream() = default;

  /// Writes the next message into `out` (replacing its contents; the capacity is reused).
  /// @return true with a message in `out`; false when the previous call returned the last
  ///         message (`out` is then cleared); InvalidArgument when a record cannot fit even
  ///         alone in a message under the limits (or a record name is not a valid host name),
  ///         after which the stream is finished.
  Result<bool> next(std::vector<std::uint8_t>& out);

  TransferAnswer answer() const { return plan_.answer; }
  bool finished() const { return finished_; }
  /// Records written so far (for logs and tests).
  std::size_t recordsWritten() const { return records_written_; }

 private:
  enum class ItemKind : std::uint8_t { Soa, Ns, Records };
  struct Segment {
    ItemKind kind = ItemKind::Soa;
    std::uint32_t serial = 0;  // Soa
    std::size_t first = 0;     // Records: a range of pool()
    std::size_t count = 0;
  };

  TransferStream() = default;
  std::span<const ARecordRef> pool() const;
  bool writeItem(dns::WireWriter& writer, const Segment& segment, std::size_t index);
  void writeApex(dns::WireWriter& writer);
  void writeOwner(dns::WireWriter& writer, std::span<const std::uint8_t> name);

  TransferQuery query_;
  TransferPlan plan_;
  ZoneContent zone_;
  std::vector<ChangeSet> chain_;
  std::vector<ARecordRef> chain_refs_;  // Incremental: views into chain_, filtered by owns()
  std::vector<Segment> segments_;
  MessageLimits limits_;
  dns::WireName apex_;
  dns::WireName primary_ns_;
  dns::WireName hostmaster_;
  std::size_t segment_ = 0;     // next segment to write
  std::size_t in_segment_ = 0;  // next record within a Records segment
  std::size_t records_written_ = 0;
  std::optional<std::size_t> apex_at_;  // where this message spells the apex in our case
  bool finished_ = false;
};

}  // namespace fibdns::transfer
