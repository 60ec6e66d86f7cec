#include "fibdns/dns/message.h"

namespace fibdns::dns {
namespace {

constexpr std::uint32_t kDoBit = 0x8000;

// Reads one resource record's fixed part and skips its RDATA. Returns false when malformed.
// Leaves the OPT-specific fields to the caller through the out parameters.
struct RecordShape {
  bool owner_is_root = false;
  std::uint16_t type = 0;
  std::uint16_t rrclass = 0;
  std::uint32_t ttl = 0;
  std::span<const std::uint8_t> rdata;
};

bool readRecord(WireReader& reader, WireName& scratch, RecordShape& record) {
  if (!WireName::fromWire(reader, scratch)) {
    return false;
  }
  record.owner_is_root = scratch.isRoot();
  record.type = reader.readU16();
  record.rrclass = reader.readU16();
  record.ttl = reader.readU32();
  const std::uint16_t rdlength = reader.readU16();
  record.rdata = reader.readBytes(rdlength);
  return reader.ok();
}

// RFC 6891 §6.1.2: the RDATA is {OPTION-CODE, OPTION-LENGTH, OPTION-DATA}*, nothing else.
bool optionsWellFormed(std::span<const std::uint8_t> rdata) {
  WireReader options(rdata);
  while (options.remaining() > 0) {
    (void)options.readU16();  // the code: every option is acceptable, and ignored
    const std::uint16_t length = options.readU16();
    options.skip(length);
    if (!options.ok()) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool readHeader(WireReader& reader, Header& header) {
  header.id = reader.readU16();
  header.flags = reader.readU16();
  header.qdcount = reader.readU16();
  header.ancount = reader.readU16();
  header.nscount = reader.readU16();
  header.arcount = reader.readU16();
  return reader.ok();
}

void writeHeader(WireWriter& writer, const Header& header) {
  writer.writeU16(header.id);
  writer.writeU16(header.flags);
  writer.writeU16(header.qdcount);
  writer.writeU16(header.ancount);
  writer.writeU16(header.nscount);
  writer.writeU16(header.arcount);
}

bool readQuestion(WireReader& reader, Question& question) {
  if (!WireName::fromWire(reader, question.name)) {
    return false;
  }
  question.qtype = reader.readU16();
  question.qclass = reader.readU16();
  return reader.ok();
}

EdnsParse readEdns(WireReader& reader, const Header& header, EdnsInfo& edns) {
  edns = EdnsInfo{};
  WireName scratch;
  RecordShape record;
  // Answer and authority records are not expected in a query, but are legal: skip them.
  const std::size_t skipped = std::size_t{header.ancount} + header.nscount;
  for (std::size_t i = 0; i < skipped; ++i) {
    if (!readRecord(reader, scratch, record) || record.type == kTypeOpt) {
      return EdnsParse::Malformed;
    }
  }
  for (std::size_t i = 0; i < header.arcount; ++i) {
    if (!readRecord(reader, scratch, record)) {
      return EdnsParse::Malformed;
    }
    if (record.type != kTypeOpt) {
      continue;
    }
    if (edns.present) {
      return EdnsParse::MultipleOpt;
    }
    if (!record.owner_is_root || !optionsWellFormed(record.rdata)) {
      return EdnsParse::Malformed;
    }
    edns.present = true;
    edns.udp_payload = record.rrclass;
    edns.extended_rcode = static_cast<std::uint8_t>(record.ttl >> 24);
    edns.version = static_cast<std::uint8_t>((record.ttl >> 16) & 0xFF);
    edns.dnssec_ok = (record.ttl & kDoBit) != 0;
    edns.options = record.rdata;
    WireReader options(record.rdata);
    while (options.remaining() > 0) {
      const std::uint16_t code = options.readU16();
      options.skip(options.readU16());
      edns.nsid_requested = edns.nsid_requested || code == kOptionNsid;
    }
  }
  return EdnsParse::Ok;
}

void writeOpt(WireWriter& writer, std::uint16_t udp_payload, std::uint8_t extended_rcode,
              std::uint8_t version) {
  (void)startOpt(writer, udp_payload, extended_rcode, version, false);
}

std::size_t startOpt(WireWriter& writer, std::uint16_t udp_payload, std::uint8_t extended_rcode,
                     std::uint8_t version, bool dnssec_ok) {
  writer.writeU8(0);  // root owner
  writer.writeU16(kTypeOpt);
  writer.writeU16(udp_payload);
  writer.writeU32((std::uint32_t{extended_rcode} << 24) | (std::uint32_t{version} << 16) |
                  (dnssec_ok ? kDoBit : 0U));
  const std::size_t rdlength_offset = writer.offset();
  writer.writeU16(0);  // RDLENGTH: patched by finishOpt when options follow
  return rdlength_offset;
}

void writeOption(WireWriter& writer, std::uint16_t code, std::span<const std::uint8_t> data) {
  writer.writeU16(code);
  writer.writeU16(static_cast<std::uint16_t>(data.size()));
  writer.writeBytes(data);
}

void finishOpt(WireWriter& writer, std::size_t rdlength_offset) {
  if (writer.ok()) {
    writer.patchU16(rdlength_offset,
                    static_cast<std::uint16_t>(writer.offset() - rdlength_offset - 2));
  }
}

}  // namespace fibdns::dns
