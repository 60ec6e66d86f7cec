#include "fibdns/authority/dns_responder.h"

#include <algorithm>

#include "fibdns/dns/message.h"
#include "fibdns/dns/wire_reader.h"
#include "fibdns/dns/wire_writer.h"

namespace fibdns::authority {
namespace {

using dns::Header;
using dns::Rcode;
using dns::WireName;
using dns::WireWriter;

// Offsets of the header fields that are patched once the reply is complete.
constexpr std::size_t kFlagsOffset = 2;
constexpr std::size_t kAncountOffset = 6;
constexpr std::size_t kNscountOffset = 8;
constexpr std::size_t kArcountOffset = 10;

// Bits copied from the query into the reply: opcode, RD, and CD (RFC 4035 §3.1.6 asks that CD be
// copied; harmless for a server that does not sign).
constexpr std::uint16_t kOpcodeMask = 0x7800;
constexpr std::uint16_t kCopiedFlags = kOpcodeMask | dns::flag::kRd | dns::flag::kCd;

std::uint16_t replyFlags(const Header& query, Rcode rcode) {
  const auto low_rcode = static_cast<std::uint16_t>(static_cast<std::uint16_t>(rcode) & 0x0F);
  return static_cast<std::uint16_t>(dns::flag::kQr | (query.flags & kCopiedFlags) | low_rcode);
}

std::uint8_t extendedRcode(Rcode rcode) {
  return static_cast<std::uint8_t>(static_cast<std::uint16_t>(rcode) >> 4);
}

// A reply with only the header: NOTIMP, FORMERR.
std::size_t writeBareReply(const Header& query, Rcode rcode, std::span<std::uint8_t> out) {
  WireWriter writer(out);
  Header reply;
  reply.id = query.id;
  reply.flags = replyFlags(query, rcode);
  dns::writeHeader(writer, reply);
  return writer.ok() ? writer.offset() : 0;
}

std::uint8_t extendedRcode(Rcode rcode);

// NOTIMP or FORMERR with the question (when there was exactly one, well formed) and an OPT (when
// the query had a valid one), so an EDNS client learns we speak EDNS; header only otherwise.
std::size_t writeErrorReply(const Header& query, Rcode rcode, const dns::Question* question,
                            const dns::EdnsInfo* edns, std::span<std::uint8_t> out) {
  if (question == nullptr && edns == nullptr) {
    return writeBareReply(query, rcode, out);
  }
  WireWriter writer(out.first(std::min<std::size_t>(out.size(), dns::kClassicUdpPayload)));
  Header reply;
  reply.id = query.id;
  reply.flags = replyFlags(query, rcode);
  reply.qdcount = question != nullptr ? 1 : 0;
  reply.arcount = edns != nullptr ? 1 : 0;
  dns::writeHeader(writer, reply);
  if (question != nullptr) {
    writer.writeName(question->name.wire(), dns::NameCompression::Record);
    writer.writeU16(question->qtype);
    writer.writeU16(question->qclass);
  }
  if (edns != nullptr) {
    const std::size_t rdlength = dns::startOpt(writer, DnsResponder::kEdnsPayload,
                                               extendedRcode(rcode), 0, edns->dnssec_ok);
    dns::finishOpt(writer, rdlength);
  }
  return writer.ok() ? writer.offset() : writeBareReply(query, rcode, out);
}

// The largest reply this client can take (RFC 1035 §4.2.1, RFC 6891 §6.2.3-6.2.5).
std::size_t replyLimit(Transport transport, const dns::EdnsInfo& edns) {
  if (transport == Transport::Tcp) {
    return DnsResponder::kMaxTcpMessage;
  }
  if (!edns.present) {
    return dns::kClassicUdpPayload;
  }
  return std::clamp<std::size_t>(edns.udp_payload, dns::kClassicUdpPayload,
                                 DnsResponder::kEdnsPayload);
}

// What the answer and authority sections hold.
struct Answer {
  Rcode rcode = Rcode::NoError;
  bool authoritative = true;
  const dns::ARecord* a_record = nullptr;
  bool apex_soa = false;      // SOA in the answer section
  bool apex_ns = false;       // NS in the answer section
  bool negative_soa = false;  // SOA in the authority section (NODATA, NXDOMAIN)
};

}  // namespace

Result<DnsResponder> DnsResponder::create(const ZoneConfig& config) {
  if (config.apexes.empty()) {
    return invalidArgument("zone config: no zone apex");
  }
  DnsResponder responder(config);
  for (const std::string& apex : config.apexes) {
    auto name = WireName::fromHostName(apex);
    if (!name) {
      return invalidArgument("zone config: apex: " + name.status().message());
    }
    responder.apexes_.push_back(name.value());
  }
  auto primary = WireName::fromHostName(config.primary_ns);
  if (!primary || primary->isRoot()) {
    return invalidArgument(
        "zone config: primary NS: " +
        (primary ? std::string("the root is not a server") : primary.status().message()));
  }
  responder.primary_ns_ = primary.value();
  auto hostmaster = WireName::fromHostName(config.hostmaster);
  if (!hostmaster || hostmaster->isRoot()) {
    return invalidArgument(
        "zone config: hostmaster: " +
        (hostmaster ? std::string("the root is not a mailbox") : hostmaster.status().message()));
  }
  responder.hostmaster_ = hostmaster.value();
  return responder;
}

std::optional<std::size_t> DnsResponder::respondToOversized(std::span<const std::uint8_t> head,
                                                            std::span<std::uint8_t> out) {
  if (head.size() < dns::kHeaderSize || out.size() < dns::kHeaderSize) {
    return std::nullopt;
  }
  dns::WireReader reader(head);
  Header header;
  if (!dns::readHeader(reader, header) || header.isResponse()) {
    return std::nullopt;
  }
  return writeBareReply(header, Rcode::FormErr, out);
}

std::optional<std::size_t> DnsResponder::respond(std::span<const std::uint8_t> query,
                                                 std::span<std::uint8_t> out, Transport transport,
                                                 const RecordCache& zone_data,
                                                 const ResponseExtras& extras) const {
  // 1. Too short to be a message, or a response: never answer (no reflection loops).
  if (query.size() < dns::kHeaderSize || out.size() < dns::kHeaderSize) {
    return std::nullopt;
  }
  dns::WireReader reader(query);
  Header header;
  if (!dns::readHeader(reader, header) || header.isResponse()) {
    return std::nullopt;
  }
  // 2-3. Parse every question and the records after them; an OPT found there is answered with
  // an OPT even when the reply is NOTIMP or FORMERR (RFC 6891 §6.1.1).
  dns::Question question;
  bool questions_ok = true;
  for (std::uint16_t i = 0; i < header.qdcount && questions_ok; ++i) {
    dns::Question parsed;
    questions_ok = dns::readQuestion(reader, parsed);
    if (i == 0) {
      question = parsed;
    }
  }
  dns::EdnsInfo edns;
  const bool edns_ok = questions_ok && dns::readEdns(reader, header, edns) == dns::EdnsParse::Ok;
  const bool echo_opt = edns_ok && edns.present;
  const bool echo_question = edns_ok && header.qdcount == 1;
  // 2. Only standard queries.
  if (header.opcode() != static_cast<std::uint8_t>(dns::Opcode::Query)) {
    return writeErrorReply(header, Rcode::NotImp, echo_question ? &question : nullptr,
                           echo_opt ? &edns : nullptr, out);
  }
  // 3. Exactly one well-formed question, and well-formed records after it.
  if (header.qdcount != 1 || !edns_ok) {
    return writeErrorReply(header, Rcode::FormErr, nullptr, echo_opt ? &edns : nullptr, out);
  }
  if (extras.form_error) {
    return writeErrorReply(header, Rcode::FormErr, &question, echo_opt ? &edns : nullptr, out);
  }

  // 4-6. Decide the answer.
  Answer answer;
  const WireName* zone = nullptr;
  std::size_t apex_offset = 0;  // where the zone's apex starts inside the question name
  if (edns.present && edns.version > 0) {
    answer.rcode = Rcode::BadVers;
    answer.authoritative = false;
  } else if (question.qclass != dns::kClassIn) {
    answer.rcode = Rcode::Refused;
    answer.authoritative = false;
  } else {
    for (const WireName& apex : apexes_) {
      const auto offset = question.name.suffixOffset(apex);
      if (offset && (zone == nullptr || apex.labelCount() > zone->labelCount())) {
        zone = &apex;
        apex_offset = *offset;
      }
    }
    if (zone == nullptr || question.qtype == dns::kTypeAxfr || question.qtype == dns::kTypeIxfr) {
      answer.rcode = Rcode::Refused;
      answer.authoritative = false;
    } else {
      const bool at_apex = question.name.labelCount() == zone->labelCount();
      const std::uint16_t qtype = question.qtype;
      const bool any = qtype == dns::kTypeAny;
      const dns::ARecord* record = zone_data.find(question.name.key());
      if (record != nullptr && (qtype == dns::kTypeA || any)) {
        answer.a_record = record;
      }
      if (at_apex) {
        answer.apex_soa = qtype == dns::kTypeSoa || any;
        answer.apex_ns = qtype == dns::kTypeNs || any;
      }
      const bool has_answer = answer.a_record != nullptr || answer.apex_soa || answer.apex_ns;
      if (!has_answer) {
        answer.negative_soa = true;
        const bool exists =
            record != nullptr || at_apex || zone_data.hasNamesBelow(question.name.key());
        answer.rcode = exists ? Rcode::NoError : Rcode::NxDomain;
      }
    }
  }

  // Write it: header (counts patched at the end), the question as received, the records.
  const std::size_t client_limit = replyLimit(transport, edns);
  const std::size_t limit = std::min(
      out.size(), client_limit > extras.reserved_tail + dns::kHeaderSize
                      ? client_limit - extras.reserved_tail
                      : dns::kHeaderSize);
  WireWriter writer(out.first(limit));
  Header reply;
  reply.id = header.id;
  reply.flags = replyFlags(header, answer.rcode);
  if (answer.authoritative) {
    reply.flags = static_cast<std::uint16_t>(reply.flags | dns::flag::kAa);
  }
  reply.qdcount = 1;
  dns::writeHeader(writer, reply);
  writer.writeName(question.name.wire(), dns::NameCompression::Record);
  writer.writeU16(question.qtype);
  writer.writeU16(question.qclass);
  const std::size_t question_end = writer.offset();
  if (!writer.ok()) {
    return std::nullopt;  // `out` cannot hold even the question
  }

  // The apex as an owner name: the question's own suffix, so it compresses to a pointer.
  const auto apex_wire = question.name.wire().subspan(apex_offset);
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  auto write_soa = [&](std::uint32_t ttl) {
    writer.writeName(apex_wire);
    writer.writeU16(dns::kTypeSoa);
    writer.writeU16(dns::kClassIn);
    writer.writeU32(ttl);
    const std::size_t rdlength_at = writer.offset();
    writer.writeU16(0);
    writer.writeName(primary_ns_.wire());
    writer.writeName(hostmaster_.wire());
    writer.writeU32(zone_data.serial());
    writer.writeU32(config_.refresh);
    writer.writeU32(config_.retry);
    writer.writeU32(config_.expire);
    writer.writeU32(config_.minimum);
    if (writer.ok()) {
      writer.patchU16(rdlength_at, static_cast<std::uint16_t>(writer.offset() - rdlength_at - 2));
    }
  };
  if (answer.apex_soa) {
    write_soa(config_.soa_ttl);
    ++ancount;
  }
  if (answer.apex_ns) {
    writer.writeName(apex_wire);
    writer.writeU16(dns::kTypeNs);
    writer.writeU16(dns::kClassIn);
    writer.writeU32(config_.ns_ttl);
    const std::size_t rdlength_at = writer.offset();
    writer.writeU16(0);
    writer.writeName(primary_ns_.wire());
    if (writer.ok()) {
      writer.patchU16(rdlength_at, static_cast<std::uint16_t>(writer.offset() - rdlength_at - 2));
    }
    ++ancount;
  }
  if (answer.a_record != nullptr) {
    writer.writeName(question.name.wire());
    writer.writeU16(dns::kTypeA);
    writer.writeU16(dns::kClassIn);
    writer.writeU32(answer.a_record->ttl);
    writer.writeU16(4);
    writer.writeBytes(answer.a_record->address.octets);
    ++ancount;
  }
  if (answer.negative_soa) {
    write_soa(std::min(config_.soa_ttl, config_.minimum));
    ++nscount;
  }

  // The OPT's options: NSID when asked for and configured (RFC 5001), Extended DNS Error 20 on
  // a REFUSED for a name outside our zones (RFC 8914).
  const bool send_nsid = edns.nsid_requested && !config_.nsid.empty();
  const bool send_ede = answer.rcode == Rcode::Refused && zone == nullptr;
  const std::size_t options_size = (send_nsid ? 4 + config_.nsid.size() : 0) +
                                   (send_ede ? 4 + 2 : 0) + extras.options.size();
  // Too big for this client: keep header and question, set TC (RFC 2181 §9, RFC 6891 §7).
  const std::size_t opt_size = edns.present ? dns::kOptRecordSize + options_size : 0;
  if (!writer.ok() || writer.remaining() < opt_size) {
    writer.rollback(question_end);
    ancount = 0;
    nscount = 0;
    reply.flags = static_cast<std::uint16_t>(reply.flags | dns::flag::kTc);
    writer.patchU16(kFlagsOffset, reply.flags);
  }
  if (edns.present) {
    // DO is copied from the query (RFC 3225 §3); the rest is ours.
    const std::size_t rdlength =
        dns::startOpt(writer, kEdnsPayload, extendedRcode(answer.rcode), 0, edns.dnssec_ok);
    if (send_nsid) {
      dns::writeOption(writer, dns::kOptionNsid,
                       std::span<const std::uint8_t>(
                           reinterpret_cast<const std::uint8_t*>(config_.nsid.data()),
                           config_.nsid.size()));
    }
    if (send_ede) {
      const std::uint8_t info_code[] = {0, dns::kEdeNotAuthoritative};
      dns::writeOption(writer, dns::kOptionEde, info_code);
    }
    writer.writeBytes(extras.options);
    dns::finishOpt(writer, rdlength);
    writer.patchU16(kArcountOffset, 1);
  }
  writer.patchU16(kAncountOffset, ancount);
  writer.patchU16(kNscountOffset, nscount);
  if (!writer.ok()) {
    return std::nullopt;
  }
  return writer.offset();
}

}  // namespace fibdns::authority
