#include "fibdns/update/update_message.h"

#include "dns/ascii.h"
#include "fibdns/dns/record.h"
#include "fibdns/dns/wire_reader.h"

namespace fibdns::update {
namespace {

constexpr std::uint16_t kClassNone = 254;
constexpr std::size_t kSoaFixedFields = 20;  // SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM

void appendCanonicalName(std::vector<std::uint8_t>& out, const dns::WireName& name) {
  for (const std::uint8_t c : name.wire()) {
    out.push_back(dns::toLowerAscii(c));  // length bytes (<= 63) are below 'A': untouched
  }
}

// The RDATA of an A, NS or SOA record in canonical form. Names in NS and SOA RDATA may be
// compressed (RFC 1035 §4.1.4), so they are read from the whole message.
bool canonicalRdata(std::span<const std::uint8_t> message, const dns::RecordView& record,
                    std::vector<std::uint8_t>& out) {
  out.clear();
  if (record.type == dns::kTypeA) {
    if (record.rdata.size() != 4) {
      return false;
    }
    out.assign(record.rdata.begin(), record.rdata.end());
    return true;
  }
  if (record.type != dns::kTypeNs && record.type != dns::kTypeSoa) {
    out.assign(record.rdata.begin(), record.rdata.end());
    return true;
  }
  // A reader limited to the end of the RDATA: names cannot run past it.
  dns::WireReader reader(message.first(record.rdata_offset + record.rdata.size()));
  reader.seek(record.rdata_offset);
  dns::WireName name;
  if (!dns::WireName::fromWire(reader, name)) {
    return false;
  }
  appendCanonicalName(out, name);
  if (record.type == dns::kTypeSoa) {
    if (!dns::WireName::fromWire(reader, name)) {
      return false;
    }
    appendCanonicalName(out, name);
    const auto fixed = reader.readBytes(kSoaFixedFields);
    out.insert(out.end(), fixed.begin(), fixed.end());
  }
  return reader.ok() && reader.remaining() == 0;
}

bool readSection(dns::WireReader& reader, std::size_t count, std::uint16_t zone_class,
                 std::vector<UpdateRecord>& out) {
  std::span<const std::uint8_t> message = reader.data();
  dns::RecordView record;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!dns::readRecord(reader, record)) {
      return false;
    }
    UpdateRecord entry;
    entry.name = record.owner;
    entry.type = record.type;
    entry.rrclass = record.rrclass;
    entry.ttl = record.ttl;
    // Values only matter where a class carries them: the zone class (add, value-dependent
    // prerequisite) and NONE (delete this RR). Elsewhere the RDATA must be empty, which the
    // planner checks; keep it raw so that it can.
    const bool has_value = record.rrclass == zone_class || record.rrclass == kClassNone;
    if (has_value && !record.rdata.empty()) {
      if (!canonicalRdata(message, record, entry.rdata)) {
        return false;
      }
    } else {
      entry.rdata.assign(record.rdata.begin(), record.rdata.end());
    }
    out.push_back(std::move(entry));
  }
  return true;
}

}  // namespace

Result<UpdateMessage> parseUpdate(std::span<const std::uint8_t> message) {
  dns::WireReader reader(message);
  UpdateMessage update;
  if (!dns::readHeader(reader, update.header)) {
    return invalidArgument("message shorter than a DNS header");
  }
  // RFC 2136 §3.1.1: exactly one zone, of type SOA.
  if (update.header.qdcount != 1) {
    return invalidArgument("ZOCOUNT is not 1");
  }
  if (!dns::WireName::fromWire(reader, update.zone)) {
    return invalidArgument("malformed zone section");
  }
  update.zone_type = reader.readU16();
  update.zone_class = reader.readU16();
  if (!reader.ok()) {
    return invalidArgument("zone section cut short");
  }
  if (update.zone_type != dns::kTypeSoa) {
    return invalidArgument("zone type is not SOA");
  }
  if (!readSection(reader, update.header.ancount, update.zone_class, update.prerequisites)) {
    return invalidArgument("malformed prerequisite section");
  }
  if (!readSection(reader, update.header.nscount, update.zone_class, update.updates)) {
    return invalidArgument("malformed update section");
  }
  dns::RecordView record;
  for (std::size_t i = 0; i < update.header.arcount; ++i) {
    if (!dns::readRecord(reader, record)) {
      return invalidArgument("malformed additional section");
    }
  }
  return update;
}

void writeUpdateReply(dns::WireWriter& writer, const dns::Header& request_header,
                      const UpdateMessage* request, UpdateRcode rcode) {
  dns::Header header;
  header.id = request_header.id;
  header.flags = static_cast<std::uint16_t>(dns::flag::kQr | (std::uint16_t{kOpcodeUpdate} << 11) |
                                            (request_header.flags & dns::flag::kRd) |
                                            static_cast<std::uint16_t>(rcode));
  header.qdcount = request != nullptr ? 1 : 0;
  dns::writeHeader(writer, header);
  if (request != nullptr) {
    writer.writeName(request->zone.wire(), dns::NameCompression::Record);
    writer.writeU16(request->zone_type);
    writer.writeU16(request->zone_class);
  }
}

}  // namespace fibdns::update
