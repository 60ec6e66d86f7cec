#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fibdns/dns/wire_name.h"
#include "fibdns/update/update_message.h"

namespace fibdns::update {

/// The A record of a name: the lab's store holds one per name.
struct ARecordValue {
  std::array<std::uint8_t, 4> address{};
  std::uint32_t ttl = 0;
  bool operator==(const ARecordValue&) const = default;
};

/// What the server publishes at a zone apex besides an A record: the SOA and the NS set.
struct ApexRecords {
  dns::WireName mname;
  dns::WireName rname;
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;
  std::vector<dns::WireName> ns;
};

/// A read-only view of the zones the server is authoritative for (class IN), as one consistent
/// snapshot: the engine implements it over the snapshot its readers publish. Implementations
/// must give the same answers for the duration of one planUpdate() call and must not throw.
class ZoneView {
 public:
  virtual ~ZoneView() = default;
  /// The SOA and NS of the zone whose apex is exactly `name` (ASCII case ignored); nullopt when
  /// `name` is not the apex of a zone we serve.
  virtual std::optional<ApexRecords> apexAt(const dns::WireName& name) const = 0;
  /// The A record at `name` (ASCII case ignored); nullopt when the name has none.
  virtual std::optional<ARecordValue> findA(const dns::WireName& name) const = 0;
};

/// One change for the writer. `name` is the store's key: lower case, no trailing dot (a valid
/// host name, dns::normalizeHostName's form).
struct RecordChange {
  enum class Kind : std::uint8_t { Upsert, Delete };
  Kind kind = Kind::Upsert;
  std::string name;
  ARecordValue value;  // Upsert only

  bool operator==(const RecordChange&) const = default;
};

/// The verdict on an UPDATE.
struct UpdatePlan {
  UpdateRcode rcode = UpdateRcode::NoError;
  /// Why, in one line, for the log (empty on success). Never sent to the client.
  std::string reason;
  /// NoError only: the net changes, at most one per name, in the order the names were first
  /// touched. Commit all of them in one transaction or none (RFC 2136 §3.4.2.6), bump the SOA
  /// serial once if the list is not empty (§3.6), and reply NOERROR only once durable. Empty
  /// when the update changes nothing (e.g. deleting a name that has no record).
  std::vector<RecordChange> changes;
};

/// RFC 2136 §3.1: the zone section. NOTAUTH (RFC 2136 §3.1.2) when the zone class is not IN or
/// the zone is not one we serve; NoError otherwise.
UpdatePlan checkZone(const UpdateMessage& message, const ZoneView& zones);

/// RFC 2136 §3.2: every prerequisite, in the RFC's order: FORMERR for a TTL other than 0, RDATA
/// on a class ANY/NONE prerequisite, a meta type where a value is needed or an unknown class;
/// NOTZONE for a name outside the zone (or inside a zone we serve below it); then the five kinds:
/// class ANY type ANY "name is in use" (else NXDOMAIN), class ANY type T "RRset exists" (else
/// NXRRSET), class NONE type ANY "name is not in use" (else YXDOMAIN), class NONE type T
/// "RRset does not exist" (else YXRRSET), class IN "RRset exists with exactly these RDATAs"
/// (compared as sets, TTL ignored; else NXRRSET). A name is in use when it has an A record or is
/// the zone apex (SOA, NS); empty non-terminals are not in use.
/// Call after checkZone succeeded.
UpdatePlan checkPrerequisites(const UpdateMessage& message, const ZoneView& zones);

/// RFC 2136 §3.4: prescans the whole update section, then works out its effect.
///
/// Accepted (anything else fails the whole message, nothing applied):
///  * class IN, type A, RDATA 4 bytes: add; the name's A record is replaced (the lab's
///    latest-wins rule, one A per name);
///  * class ANY, type A, TTL 0, no RDATA: delete the name's A record;
///  * class ANY, type ANY, TTL 0, no RDATA: delete every RRset of the name (the A record; an
///    apex keeps its SOA and NS, §3.4.2.3);
///  * class NONE, type A, TTL 0, RDATA 4 bytes: delete the A record if it has that address.
/// FORMERR: TTL rules broken (class ANY/NONE need TTL 0, class ANY no RDATA), TTL above
/// 2^31-1 (RFC 2181 §8), a meta type (ANY in class IN or NONE, AXFR, IXFR, MAILA, MAILB, OPT,
/// TSIG), another class. NOTZONE: a name outside the zone or in a zone we serve below it.
/// REFUSED: any other type (the store holds only A records; SOA and NS are configuration), or an
/// add for a name that is not a valid host name (the store's rule).
/// Call after checkPrerequisites succeeded.
UpdatePlan planUpdates(const UpdateMessage& message, const ZoneView& zones);

/// checkZone, checkPrerequisites, planUpdates, stopping at the first failure. The requester's
/// permission (§3.3: TSIG key, source address) is the caller's, checked after checkZone and
/// before this, as Knot does, so a refused requester never gets prerequisite answers.
UpdatePlan planUpdate(const UpdateMessage& message, const ZoneView& zones);

}  // namespace fibdns::update
