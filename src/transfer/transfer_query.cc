#include "fibdns/transfer/transfer_query.h"

#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_reader.h"
#include "fibdns/transfer/serial.h"

namespace fibdns::transfer {
namespace {

constexpr std::size_t kSoaFixedFields = 5 * 4;  // serial, refresh, retry, expire, minimum

// Reads one record after the question. For an authority SOA owned by the question name, reads the
// serial out of its RDATA. Returns false when the record is malformed.
bool readRecord(dns::WireReader& reader, const dns::Question& question, bool authority,
                TransferQuery& out, bool& saw_opt) {
  dns::WireName owner;
  if (!dns::WireName::fromWire(reader, owner)) {
    return false;
  }
  const std::uint16_t type = reader.readU16();
  const std::uint16_t rrclass = reader.readU16();
  (void)reader.readU32();  // TTL: irrelevant in a query
  const std::uint16_t rdlength = reader.readU16();
  if (!reader.ok() || rdlength > reader.remaining()) {
    return false;
  }
  const std::size_t rdata_start = reader.offset();
  if (type == dns::kTypeOpt) {
    // RFC 6891 §6.1.1: only in the additional section, at most one.
    if (authority || saw_opt || !owner.isRoot()) {
      return false;
    }
    saw_opt = true;
    out.edns = true;
    reader.skip(rdlength);
    return reader.ok();
  }
  const bool client_soa = authority && type == dns::kTypeSoa && rrclass == dns::kClassIn &&
                          owner.suffixOffset(question.name) == std::size_t{0};
  if (!client_soa) {
    reader.skip(rdlength);
    return reader.ok();
  }
  // RFC 1035 §3.3.13: MNAME, RNAME (possibly compressed into the message), then five 32-bit
  // fields; the RDATA must be exactly that.
  dns::WireName scratch;
  if (!dns::WireName::fromWire(reader, scratch) || !dns::WireName::fromWire(reader, scratch)) {
    return false;
  }
  const std::size_t names_size = reader.offset() - rdata_start;
  if (names_size > rdlength || rdlength - names_size != kSoaFixedFields) {
    return false;
  }
  const std::uint32_t serial = reader.readU32();
  reader.skip(kSoaFixedFields - 4);
  if (!reader.ok()) {
    return false;
  }
  if (!out.client_serial) {
    out.client_serial = serial;
  }
  return true;
}

}  // namespace

std::optional<TransferQuery> parseTransferQuery(std::span<const std::uint8_t> query) {
  dns::WireReader reader(query);
  TransferQuery out;
  if (!dns::readHeader(reader, out.header) || out.header.isResponse() ||
      out.header.opcode() != static_cast<std::uint8_t>(dns::Opcode::Query) ||
      out.header.qdcount != 1) {
    return std::nullopt;
  }
  if (!dns::readQuestion(reader, out.question)) {
    return std::nullopt;
  }
  if (out.question.qtype != dns::kTypeAxfr && out.question.qtype != dns::kTypeIxfr) {
    return std::nullopt;
  }
  bool saw_opt = false;
  const std::size_t total =
      std::size_t{out.header.ancount} + out.header.nscount + out.header.arcount;
  for (std::size_t i = 0; i < total; ++i) {
    const bool authority =
        i >= out.header.ancount && i < std::size_t{out.header.ancount} + out.header.nscount;
    if (!readRecord(reader, out.question, authority, out, saw_opt)) {
      out.records_well_formed = false;
      out.client_serial.reset();
      break;
    }
  }
  if (!out.isIxfr()) {
    out.client_serial.reset();
  }
  return out;
}

TransferPlan TransferPlan::withoutJournal() const {
  if (answer != TransferAnswer::Incremental) {
    return *this;
  }
  return TransferPlan{TransferAnswer::FullZone, 0};
}

TransferPlan planTransfer(const TransferQuery& query, Transport transport,
                          std::optional<std::uint32_t> zone_serial) {
  const auto reject = [](std::uint8_t rcode) {
    return TransferPlan{TransferAnswer::Reject, rcode};
  };
  if (!query.records_well_formed || (query.isIxfr() && !query.client_serial)) {
    return reject(static_cast<std::uint8_t>(dns::Rcode::FormErr));
  }
  if (query.question.qclass != dns::kClassIn) {
    return reject(static_cast<std::uint8_t>(dns::Rcode::Refused));
  }
  if (!query.isIxfr() && transport == Transport::Udp) {
    return reject(static_cast<std::uint8_t>(dns::Rcode::NotImp));
  }
  if (!zone_serial) {
    return reject(kRcodeNotAuth);
  }
  if (!query.isIxfr()) {
    return TransferPlan{TransferAnswer::FullZone, 0};
  }
  switch (compareSerials(*query.client_serial, *zone_serial)) {
    case SerialOrder::Equal:
    case SerialOrder::Greater:
      return TransferPlan{TransferAnswer::SingleSoa, 0};
    case SerialOrder::Less:
      return TransferPlan{
          transport == Transport::Udp ? TransferAnswer::Truncated : TransferAnswer::Incremental, 0};
    case SerialOrder::Undefined:
      break;
  }
  return TransferPlan{
      transport == Transport::Udp ? TransferAnswer::Truncated : TransferAnswer::FullZone, 0};
}

}  // namespace fibdns::transfer
