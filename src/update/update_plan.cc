#include "fibdns/update/update_plan.h"

#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "dns/ascii.h"
#include "fibdns/dns/message.h"
#include "fibdns/dns/name.h"
#include "fibdns/dns/wire_reader.h"

namespace fibdns::update {
namespace {

constexpr std::uint16_t kClassIn = dns::kClassIn;
constexpr std::uint16_t kClassNone = 254;
constexpr std::uint16_t kClassAny = 255;
constexpr std::uint32_t kMaxTtl = 0x7FFFFFFF;  // RFC 2181 §8

using Rdata = std::vector<std::uint8_t>;

UpdatePlan fail(UpdateRcode rcode, std::string reason) {
  UpdatePlan plan;
  plan.rcode = rcode;
  plan.reason = std::move(reason);
  return plan;
}

std::string quoted(const dns::WireName& name) { return "'" + dns::printableEcho(name.key()) + "'"; }

// Types that stand for a query or a transaction, never for data (RFC 2136 §3.2.1/§3.4.1.3; TKEY,
// TSIG and OPT are pseudo-records).
bool isMetaType(std::uint16_t type) {
  return type == 0 || type == dns::kTypeOpt || type >= 249;  // 249 TKEY ... 255 ANY
}

void appendCanonicalName(Rdata& out, const dns::WireName& name) {
  for (const std::uint8_t c : name.wire()) {
    out.push_back(dns::toLowerAscii(c));
  }
}

void appendU32(Rdata& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
  }
}

// The name made of the last `labels` labels of `name`.
dns::WireName suffixOf(const dns::WireName& name, std::size_t labels) {
  dns::WireName out;
  if (labels == 0) {
    return out;
  }
  dns::WireReader reader(name.wire().subspan(name.labelOffset(name.labelCount() - labels)));
  (void)dns::WireName::fromWire(reader, out);  // a suffix of a valid name is valid
  return out;
}

// RFC 2136 §3.2.2/§3.4.1.3: NOTZONE unless the name is at or below the zone's apex. A name in a
// zone we also serve below this one belongs to that zone, not to this one.
bool isInZone(const dns::WireName& name, const UpdateMessage& message, const ZoneView& zones) {
  if (!name.suffixOffset(message.zone)) {
    return false;
  }
  for (std::size_t labels = message.zone.labelCount() + 1; labels <= name.labelCount(); ++labels) {
    if (zones.apexAt(suffixOf(name, labels))) {
      return false;
    }
  }
  return true;
}

bool nameInUse(const dns::WireName& name, const ZoneView& zones) {
  return zones.findA(name).has_value() || zones.apexAt(name).has_value();
}

// The zone's RRset at (name, type) as canonical RDATAs.
std::set<Rdata> zoneRrset(const dns::WireName& name, std::uint16_t type, const ZoneView& zones) {
  std::set<Rdata> out;
  if (type == dns::kTypeA) {
    if (const auto a = zones.findA(name)) {
      out.emplace(a->address.begin(), a->address.end());
    }
    return out;
  }
  if (type != dns::kTypeNs && type != dns::kTypeSoa) {
    return out;
  }
  const auto apex = zones.apexAt(name);
  if (!apex) {
    return out;
  }
  if (type == dns::kTypeNs) {
    for (const dns::WireName& ns : apex->ns) {
      Rdata rdata;
      appendCanonicalName(rdata, ns);
      out.insert(std::move(rdata));
    }
    return out;
  }
  Rdata soa;
  appendCanonicalName(soa, apex->mname);
  appendCanonicalName(soa, apex->rname);
  for (const std::uint32_t field :
       {apex->serial, apex->refresh, apex->retry, apex->expire, apex->minimum}) {
    appendU32(soa, field);
  }
  out.insert(std::move(soa));
  return out;
}

}  // namespace

UpdatePlan checkZone(const UpdateMessage& message, const ZoneView& zones) {
  if (message.zone_class != kClassIn) {
    return fail(UpdateRcode::NotAuth, "zone class " + std::to_string(message.zone_class));
  }
  if (!zones.apexAt(message.zone)) {
    return fail(UpdateRcode::NotAuth, "not authoritative for zone " + quoted(message.zone));
  }
  return {};
}

UpdatePlan checkPrerequisites(const UpdateMessage& message, const ZoneView& zones) {
  // Value-dependent prerequisites are gathered per (name, type) and compared at the end
  // (§3.2.3); std::map keeps that comparison in a fixed order.
  std::map<std::pair<std::string, std::uint16_t>, std::pair<const UpdateRecord*, std::set<Rdata>>>
      expected;
  for (const UpdateRecord& rr : message.prerequisites) {
    if (rr.ttl != 0) {
      return fail(UpdateRcode::FormErr, "prerequisite TTL is not 0");
    }
    if (!isInZone(rr.name, message, zones)) {
      return fail(UpdateRcode::NotZone, "prerequisite name " + quoted(rr.name) + " not in zone");
    }
    if (rr.rrclass == kClassAny || rr.rrclass == kClassNone) {
      if (!rr.rdata.empty()) {
        return fail(UpdateRcode::FormErr, "prerequisite of class ANY/NONE has RDATA");
      }
      if (rr.type != dns::kTypeAny && isMetaType(rr.type)) {
        return fail(UpdateRcode::FormErr, "prerequisite of meta type " + std::to_string(rr.type));
      }
    }
    if (rr.rrclass == kClassAny) {
      if (rr.type == dns::kTypeAny) {
        if (!nameInUse(rr.name, zones)) {
          return fail(UpdateRcode::NxDomain, "name " + quoted(rr.name) + " is not in use");
        }
      } else if (zoneRrset(rr.name, rr.type, zones).empty()) {
        return fail(UpdateRcode::NxRrset,
                    "no RRset of type " + std::to_string(rr.type) + " at " + quoted(rr.name));
      }
    } else if (rr.rrclass == kClassNone) {
      if (rr.type == dns::kTypeAny) {
        if (nameInUse(rr.name, zones)) {
          return fail(UpdateRcode::YxDomain, "name " + quoted(rr.name) + " is in use");
        }
      } else if (!zoneRrset(rr.name, rr.type, zones).empty()) {
        return fail(UpdateRcode::YxRrset,
                    "RRset of type " + std::to_string(rr.type) + " exists at " + quoted(rr.name));
      }
    } else if (rr.rrclass == message.zone_class) {
      if (isMetaType(rr.type)) {
        return fail(UpdateRcode::FormErr, "prerequisite of meta type " + std::to_string(rr.type));
      }
      auto& entry = expected[{std::string(rr.name.key()), rr.type}];
      entry.first = &rr;
      entry.second.insert(rr.rdata);
    } else {
      return fail(UpdateRcode::FormErr, "prerequisite class " + std::to_string(rr.rrclass));
    }
  }
  for (const auto& [key, entry] : expected) {
    if (zoneRrset(entry.first->name, key.second, zones) != entry.second) {
      return fail(UpdateRcode::NxRrset, "RRset of type " + std::to_string(key.second) + " at " +
                                            quoted(entry.first->name) + " differs");
    }
  }
  return {};
}

UpdatePlan planUpdates(const UpdateMessage& message, const ZoneView& zones) {
  // §3.4.1 prescan: every record is checked before anything is applied.
  for (const UpdateRecord& rr : message.updates) {
    if (!isInZone(rr.name, message, zones)) {
      return fail(UpdateRcode::NotZone, "update name " + quoted(rr.name) + " not in zone");
    }
    if (rr.rrclass == message.zone_class) {
      if (isMetaType(rr.type)) {
        return fail(UpdateRcode::FormErr, "add of meta type " + std::to_string(rr.type));
      }
      if (rr.ttl > kMaxTtl) {
        return fail(UpdateRcode::FormErr, "TTL above 2^31-1");
      }
      if (rr.type != dns::kTypeA) {
        return fail(UpdateRcode::Refused, "only A records can be added");
      }
      if (rr.rdata.size() != 4) {
        return fail(UpdateRcode::FormErr, "A RDATA is not 4 bytes");
      }
      if (!dns::checkHostName(rr.name.key()).isOk()) {
        return fail(UpdateRcode::Refused, "name " + quoted(rr.name) + " is not a host name");
      }
    } else if (rr.rrclass == kClassAny) {
      if (rr.ttl != 0 || !rr.rdata.empty()) {
        return fail(UpdateRcode::FormErr, "delete of class ANY needs TTL 0 and no RDATA");
      }
      if (rr.type != dns::kTypeAny && isMetaType(rr.type)) {
        return fail(UpdateRcode::FormErr, "delete of meta type " + std::to_string(rr.type));
      }
      if (rr.type != dns::kTypeAny && rr.type != dns::kTypeA) {
        return fail(UpdateRcode::Refused, "only A RRsets can be deleted");
      }
    } else if (rr.rrclass == kClassNone) {
      if (rr.ttl != 0) {
        return fail(UpdateRcode::FormErr, "delete of class NONE needs TTL 0");
      }
      if (isMetaType(rr.type)) {
        return fail(UpdateRcode::FormErr, "delete of meta type " + std::to_string(rr.type));
      }
      if (rr.type != dns::kTypeA) {
        return fail(UpdateRcode::Refused, "only A records can be deleted");
      }
      if (rr.rdata.size() != 4) {
        return fail(UpdateRcode::FormErr, "A RDATA is not 4 bytes");
      }
    } else {
      return fail(UpdateRcode::FormErr, "update class " + std::to_string(rr.rrclass));
    }
  }

  // §3.4.2: apply in order to a scratch copy of the names touched.
  struct Touched {
    std::string name;
    std::optional<ARecordValue> before;
    std::optional<ARecordValue> after;
  };
  std::vector<Touched> touched;
  std::unordered_map<std::string, std::size_t> index;
  for (const UpdateRecord& rr : message.updates) {
    auto host = dns::normalizeHostName(rr.name.key());
    if (!host) {
      continue;  // only deletes get here (adds were checked): such a name holds no record
    }
    auto [it, inserted] = index.emplace(host.value(), touched.size());
    if (inserted) {
      const auto current = zones.findA(rr.name);
      touched.push_back({std::move(host).value(), current, current});
    }
    std::optional<ARecordValue>& after = touched[it->second].after;
    if (rr.rrclass == message.zone_class) {
      ARecordValue value;
      std::copy(rr.rdata.begin(), rr.rdata.end(), value.address.begin());
      value.ttl = rr.ttl;
      after = value;
    } else if (rr.rrclass == kClassAny) {
      after.reset();
    } else if (after && std::equal(rr.rdata.begin(), rr.rdata.end(), after->address.begin())) {
      after.reset();  // class NONE: only the RR with this address goes
    }
  }

  UpdatePlan plan;
  for (Touched& entry : touched) {
    if (entry.after == entry.before) {
      continue;
    }
    RecordChange change;
    change.name = std::move(entry.name);
    if (entry.after) {
      change.kind = RecordChange::Kind::Upsert;
      change.value = *entry.after;
    } else {
      change.kind = RecordChange::Kind::Delete;
    }
    plan.changes.push_back(std::move(change));
  }
  return plan;
}

UpdatePlan planUpdate(const UpdateMessage& message, const ZoneView& zones) {
  UpdatePlan zone = checkZone(message, zones);
  if (zone.rcode != UpdateRcode::NoError) {
    return zone;
  }
  UpdatePlan prerequisites = checkPrerequisites(message, zones);
  if (prerequisites.rcode != UpdateRcode::NoError) {
    return prerequisites;
  }
  return planUpdates(message, zones);
}

}  // namespace fibdns::update
