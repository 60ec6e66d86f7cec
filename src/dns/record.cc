#include "fibdns/dns/record.h"

namespace fibdns::dns {

bool readRecord(WireReader& reader, RecordView& record) {
  record.offset = reader.offset();
  if (!WireName::fromWire(reader, record.owner)) {
    return false;
  }
  record.type = reader.readU16();
  record.rrclass = reader.readU16();
  record.ttl = reader.readU32();
  const std::uint16_t rdlength = reader.readU16();
  record.rdata_offset = reader.offset();
  record.rdata = reader.readBytes(rdlength);
  return reader.ok();
}

bool skipQuestions(WireReader& reader, std::size_t count) {
  WireName scratch;
  for (std::size_t i = 0; i < count; ++i) {
    if (!WireName::fromWire(reader, scratch)) {
      return false;
    }
    reader.skip(4);  // QTYPE, QCLASS
    if (!reader.ok()) {
      return false;
    }
  }
  return true;
}

}  // namespace fibdns::dns
