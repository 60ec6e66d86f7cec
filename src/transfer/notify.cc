#include "fibdns/transfer/notify.h"

#include "fibdns/dns/message.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_reader.h"
#include "fibdns/dns/wire_writer.h"

namespace fibdns::transfer {

Result<std::size_t> writeNotify(std::uint16_t id, std::string_view apex, const ApexRecords& soa,
                                std::span<std::uint8_t> out) {
  auto apex_name = dns::WireName::fromHostName(apex);
  auto primary_ns = dns::WireName::fromHostName(soa.primary_ns);
  auto hostmaster = dns::WireName::fromHostName(soa.hostmaster);
  if (!apex_name || !primary_ns || !hostmaster) {
    return invalidArgument("notify: zone apex, SOA MNAME or RNAME is not a valid name");
  }
  dns::WireWriter writer(out);
  // RFC 1996 §3.1-3.3: opcode NOTIFY, AA, QDCOUNT 1 with QTYPE SOA; ANCOUNT 1 with the SOA.
  const auto flags = static_cast<std::uint16_t>((kOpcodeNotify << 11) | dns::flag::kAa);
  dns::writeHeader(writer, dns::Header{id, flags, 1, 1, 0, 0});
  writer.writeName(apex_name->wire(), dns::NameCompression::Record);
  writer.writeU16(dns::kTypeSoa);
  writer.writeU16(dns::kClassIn);
  writer.writeName(apex_name->wire());
  writer.writeU16(dns::kTypeSoa);
  writer.writeU16(dns::kClassIn);
  writer.writeU32(soa.soa_ttl);
  const std::size_t rdlength_at = writer.offset();
  writer.writeU16(0);
  writer.writeName(primary_ns->wire());
  writer.writeName(hostmaster->wire());
  writer.writeU32(soa.serial);
  writer.writeU32(soa.refresh);
  writer.writeU32(soa.retry);
  writer.writeU32(soa.expire);
  writer.writeU32(soa.minimum);
  if (writer.ok()) {
    writer.patchU16(rdlength_at, static_cast<std::uint16_t>(writer.offset() - rdlength_at - 2));
  }
  if (!writer.ok()) {
    return invalidArgument("notify: output buffer too small");
  }
  return writer.offset();
}

NotifyReply classifyNotifyReply(std::span<const std::uint8_t> reply, std::uint16_t id,
                                std::string_view apex) {
  auto apex_name = dns::WireName::fromHostName(apex);
  if (!apex_name) {
    return NotifyReply::Unrelated;
  }
  dns::WireReader reader(reply);
  dns::Header header;
  if (!dns::readHeader(reader, header) || !header.isResponse() || header.id != id ||
      header.opcode() != kOpcodeNotify) {
    return NotifyReply::Unrelated;
  }
  // RFC 1996 §4.7: the response echoes the question. Knot and NSD do; an empty question is
  // accepted too (some servers strip it on errors) since the ID already ties it to us.
  if (header.qdcount > 1) {
    return NotifyReply::Unrelated;
  }
  if (header.qdcount == 1) {
    dns::Question question;
    if (!dns::readQuestion(reader, question) || question.qtype != dns::kTypeSoa ||
        question.name.suffixOffset(*apex_name) != std::size_t{0}) {
      return NotifyReply::Unrelated;
    }
  }
  return header.rcode() == 0 ? NotifyReply::Acknowledged : NotifyReply::Refused;
}

}  // namespace fibdns::transfer
