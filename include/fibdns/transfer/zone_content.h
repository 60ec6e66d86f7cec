#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/dns/ipv4.h"

namespace fibdns::transfer {

/// One A record of a zone, by reference: `name` points into storage the caller keeps alive (the
/// engine's immutable snapshot) for as long as anything built from it is in use.
struct ARecordRef {
  std::string_view name;  // normalised: lowercase, no trailing dot
  dns::Ipv4Address address;
  std::uint32_t ttl = 0;
};

/// The SOA and NS records the AS serves at a zone's apex: authority::ZoneConfig's fields plus the
/// zone's serial. Names in presentation form (validated when a transfer is built).
struct ApexRecords {
  std::string primary_ns = "ns1.fibdns.invalid";         // SOA MNAME and the apex NS target
  std::string hostmaster = "hostmaster.fibdns.invalid";  // SOA RNAME
  std::uint32_t serial = 1;
  std::uint32_t soa_ttl = 3600;
  std::uint32_t ns_ttl = 3600;
  std::uint32_t refresh = 3600;
  std::uint32_t retry = 600;
  std::uint32_t expire = 1209600;
  std::uint32_t minimum = 60;
};

/// What a zone transfer needs from the engine's snapshot of one zone.
///
/// The engine must provide, from ONE published snapshot (so the transfer is consistent while
/// registrations keep committing):
///  * `apex`: the zone's apex, normalised ("" is the root);
///  * `subzones`: the other configured apexes strictly below this one (e.g. "fib.test" inside the
///    root zone), whose names belong to them, not to this zone ("the longest apex wins");
///  * `apex_records`: authority::ZoneConfig's SOA/NS fields and the snapshot's serial;
///  * `records`: every A record of the zone (owns() true for each name; nothing else), one per
///    name, in the snapshot's order (sorted by name gives a deterministic transfer; any order is
///    valid DNS). Views into the snapshot: filling this is one pass, no string copies. Only
///    needed when the answer is a full zone (TransferPlan::needsZoneRecords()).
/// Not thread-safe to mutate; a filled value is read-only for the transfer code.
struct ZoneContent {
  std::string apex;
  std::vector<std::string> subzones;
  ApexRecords apex_records;
  std::vector<ARecordRef> records;

  /// True when `name` (normalised) is the apex or below it, and not at or below a subzone.
  bool owns(std::string_view name) const;
};

/// True when normalised `name` equals normalised `apex` or lies below it ("" contains all).
bool isAtOrBelow(std::string_view name, std::string_view apex);

}  // namespace fibdns::transfer
