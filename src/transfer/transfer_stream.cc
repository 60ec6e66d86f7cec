#include "fibdns/transfer/transfer_stream.h"

#include <algorithm>
#include <array>
#include <string>

#include "fibdns/dns/message.h"
#include "fibdns/dns/wire_writer.h"

namespace fibdns::transfer {
namespace {

constexpr std::uint16_t kEdnsPayload = 1232;  // as DnsResponder advertises
constexpr std::size_t kAncountOffset = 6;
constexpr std::size_t kMaxPointerOffset = 0x3FFF;  // RFC 1035 §4.1.4: 14 bits

// A normalised name ("www.fib.test") in wire form, without allocating. The names come from our
// own store, which holds only normalised host names; anything else is refused, not guessed at.
struct WireBuffer {
  std::array<std::uint8_t, dns::kMaxWireNameLength> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> span() const { return {bytes.data(), size}; }
};

bool toWire(std::string_view name, WireBuffer& out) {
  out.size = 0;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    // The label, its length byte and the final root byte must fit in 255 (RFC 1035 §3.1).
    if (label.empty() || label.size() > 63 || label.size() + 2 > out.bytes.size() - out.size) {
      return false;
    }
    out.bytes[out.size++] = static_cast<std::uint8_t>(label.size());
    for (const char c : label) {
      out.bytes[out.size++] = static_cast<std::uint8_t>(c);
    }
    if (dot == std::string_view::npos) {
      break;
    }
    name.remove_prefix(dot + 1);
    if (name.empty()) {
      return false;  // a trailing dot: not normalised
    }
  }
  out.bytes[out.size++] = 0;
  return true;
}

}  // namespace

Result<TransferStream> TransferStream::create(const TransferQuery& query, const TransferPlan& plan,
                                              ZoneContent zone, std::vector<ChangeSet> chain,
                                              MessageLimits limits) {
  TransferStream stream;
  stream.query_ = query;
  stream.plan_ = plan;
  stream.limits_ = limits;

  const std::size_t fixed = dns::kHeaderSize + query.question.name.wire().size() + 4 +
                            (query.edns ? dns::kOptRecordSize : 0);
  if (limits.max_message_size > 65535 || limits.reserved_tail >= limits.max_message_size ||
      limits.max_message_size - limits.reserved_tail < fixed) {
    return invalidArgument("transfer: message limits leave no room for the header and question");
  }

  const bool has_soa = plan.answer == TransferAnswer::SingleSoa ||
                       plan.answer == TransferAnswer::FullZone ||
                       plan.answer == TransferAnswer::Incremental;
  if (has_soa) {
    auto apex = dns::WireName::fromHostName(zone.apex);
    auto primary_ns = dns::WireName::fromHostName(zone.apex_records.primary_ns);
    auto hostmaster = dns::WireName::fromHostName(zone.apex_records.hostmaster);
    if (!apex || !primary_ns || !hostmaster) {
      return invalidArgument("transfer: zone apex, SOA MNAME or RNAME is not a valid name");
    }
    stream.apex_ = *apex;
    stream.primary_ns_ = *primary_ns;
    stream.hostmaster_ = *hostmaster;
  }

  const std::uint32_t current = zone.apex_records.serial;
  auto& segments = stream.segments_;
  switch (plan.answer) {
    case TransferAnswer::Reject:
    case TransferAnswer::Truncated:
      break;
    case TransferAnswer::SingleSoa:
      segments.push_back({ItemKind::Soa, current, 0, 0});
      break;
    case TransferAnswer::FullZone:
      segments.push_back({ItemKind::Soa, current, 0, 0});
      segments.push_back({ItemKind::Ns, 0, 0, 0});
      segments.push_back({ItemKind::Records, 0, 0, zone.records.size()});
      segments.push_back({ItemKind::Soa, current, 0, 0});
      break;
    case TransferAnswer::Incremental: {
      if (!query.client_serial || !isChain(chain, *query.client_serial, current)) {
        return invalidArgument(
            "transfer: the journal chain does not lead from the client's "
            "serial to the zone's");
      }
      // Views first (sized once, so they never move), then the segments that index them.
      std::size_t total = 0;
      for (const ChangeSet& step : chain) {
        total += step.removed.size() + step.added.size();
      }
      stream.chain_ = std::move(chain);
      stream.chain_refs_.reserve(total);
      segments.push_back({ItemKind::Soa, current, 0, 0});
      const auto add_owned = [&](const std::vector<dns::ARecord>& records) {
        const std::size_t first = stream.chain_refs_.size();
        for (const dns::ARecord& record : records) {
          if (zone.owns(record.name)) {
            stream.chain_refs_.push_back({record.name, record.address, record.ttl});
          }
        }
        segments.push_back({ItemKind::Records, 0, first, stream.chain_refs_.size() - first});
      };
      for (const ChangeSet& step : stream.chain_) {
        segments.push_back({ItemKind::Soa, step.serial_from, 0, 0});
        add_owned(step.removed);
        segments.push_back({ItemKind::Soa, step.serial_to, 0, 0});
        add_owned(step.added);
      }
      segments.push_back({ItemKind::Soa, current, 0, 0});
      break;
    }
  }
  stream.zone_ = std::move(zone);
  return stream;
}

std::span<const ARecordRef> TransferStream::pool() const {
  if (plan_.answer == TransferAnswer::Incremental) {
    return chain_refs_;
  }
  return zone_.records;
}

bool TransferStream::writeItem(dns::WireWriter& writer, const Segment& segment, std::size_t index) {
  switch (segment.kind) {
    case ItemKind::Soa: {
      const ApexRecords& soa = zone_.apex_records;
      writeApex(writer);
      writer.writeU16(dns::kTypeSoa);
      writer.writeU16(dns::kClassIn);
      writer.writeU32(soa.soa_ttl);
      const std::size_t rdlength_at = writer.offset();
      writer.writeU16(0);
      writer.writeName(primary_ns_.wire());
      writer.writeName(hostmaster_.wire());
      writer.writeU32(segment.serial);
      writer.writeU32(soa.refresh);
      writer.writeU32(soa.retry);
      writer.writeU32(soa.expire);
      writer.writeU32(soa.minimum);
      if (writer.ok()) {
        writer.patchU16(rdlength_at, static_cast<std::uint16_t>(writer.offset() - rdlength_at - 2));
      }
      return true;
    }
    case ItemKind::Ns: {
      writeApex(writer);
      writer.writeU16(dns::kTypeNs);
      writer.writeU16(dns::kClassIn);
      writer.writeU32(zone_.apex_records.ns_ttl);
      const std::size_t rdlength_at = writer.offset();
      writer.writeU16(0);
      writer.writeName(primary_ns_.wire());
      if (writer.ok()) {
        writer.patchU16(rdlength_at, static_cast<std::uint16_t>(writer.offset() - rdlength_at - 2));
      }
      return true;
    }
    case ItemKind::Records: {
      const ARecordRef& record = pool()[segment.first + index];
      WireBuffer name;
      if (!toWire(record.name, name)) {
        return false;
      }
      writeOwner(writer, name.span());
      writer.writeU16(dns::kTypeA);
      writer.writeU16(dns::kClassIn);
      writer.writeU32(record.ttl);
      writer.writeU16(4);
      writer.writeBytes(record.address.octets);
      return true;
    }
  }
  return false;
}

void TransferStream::writeApex(dns::WireWriter& writer) {
  if (apex_.isRoot()) {
    writer.writeU8(0);  // the root is one byte; a pointer would be two
    return;
  }
  if (apex_at_) {
    writer.writeU16(static_cast<std::uint16_t>(0xC000 | *apex_at_));
    return;
  }
  const std::size_t start = writer.offset();
  writer.writeName(apex_.wire(), dns::NameCompression::Record);
  if (writer.ok() && start <= kMaxPointerOffset) {
    apex_at_ = start;
  }
}

void TransferStream::writeOwner(dns::WireWriter& writer, std::span<const std::uint8_t> name) {
  // The fast path for the bulk of a zone: a name below the apex is its own labels and a pointer
  // to the apex already in this message. WireWriter::writeName would find the same pointer, but
  // only after comparing the name with each of its recorded targets (over a microsecond a name
  // once they are full), which made a 100,000-name AXFR cost ~150 ms instead of ~20.
  const auto apex = apex_.wire();
  const bool below_apex =
      !apex_.isRoot() && name.size() > apex.size() &&
      std::equal(apex.begin(), apex.end(), name.end() - static_cast<std::ptrdiff_t>(apex.size()));
  if (!below_apex) {
    writer.writeName(name);
    return;
  }
  const std::size_t prefix = name.size() - apex.size();
  if (apex_at_) {
    writer.writeBytes(name.first(prefix));
    writer.writeU16(static_cast<std::uint16_t>(0xC000 | *apex_at_));
    return;
  }
  // No apex in this message yet (the question was asked in another case): spell this name out
  // in full and point the next ones at its apex labels.
  const std::size_t start = writer.offset();
  writer.writeName(name, dns::NameCompression::Record);
  if (writer.ok() && start + prefix <= kMaxPointerOffset) {
    apex_at_ = start + prefix;
  }
}

Result<bool> TransferStream::next(std::vector<std::uint8_t>& out) {
  if (finished_) {
    out.clear();
    return false;
  }
  const std::size_t capacity = limits_.max_message_size - limits_.reserved_tail;
  // Records may use everything but the OPT's room, which is added after the last record.
  const std::size_t opt_size = query_.edns ? dns::kOptRecordSize : 0;
  const std::size_t record_limit = capacity - opt_size;
  out.resize(capacity);
  dns::WireWriter writer(out);

  std::uint16_t flags = static_cast<std::uint16_t>(
      dns::flag::kQr | (query_.header.flags & (dns::flag::kRd | dns::flag::kCd)));
  if (plan_.answer != TransferAnswer::Reject) {
    flags |= dns::flag::kAa;
  }
  if (plan_.answer == TransferAnswer::Truncated) {
    flags |= dns::flag::kTc;
  }
  flags = static_cast<std::uint16_t>(flags | (plan_.rcode & 0x0F));
  dns::writeHeader(writer, dns::Header{query_.header.id, flags, 1, 0, 0,
                                       static_cast<std::uint16_t>(query_.edns ? 1 : 0)});
  // When the question spells the apex exactly as we do, later names compress into it. A client
  // using 0x20 case randomisation ("Fib.TEST") gets its question echoed but not pointed into:
  // the pointers would give the zone's names the client's case in the secondary's copy.
  const auto question_name = query_.question.name.wire();
  const auto apex = apex_.wire();
  const bool same_spelling =
      std::equal(question_name.begin(), question_name.end(), apex.begin(), apex.end());
  const bool point_into_question = same_spelling && segment_ < segments_.size();
  writer.writeName(question_name,
                   point_into_question ? dns::NameCompression::Record : dns::NameCompression::None);
  apex_at_.reset();
  if (point_into_question) {
    apex_at_ = dns::kHeaderSize;
  }
  writer.writeU16(query_.question.qtype);
  writer.writeU16(query_.question.qclass);

  std::uint16_t ancount = 0;
  while (segment_ < segments_.size()) {
    const Segment& segment = segments_[segment_];
    if (segment.kind == ItemKind::Records && in_segment_ >= segment.count) {
      ++segment_;
      in_segment_ = 0;
      continue;
    }
    const std::size_t mark = writer.offset();
    if (!writeItem(writer, segment, in_segment_)) {
      finished_ = true;
      out.clear();
      return invalidArgument("transfer: a record name is not a valid host name");
    }
    if (!writer.ok() || writer.offset() > record_limit || ancount == 0xFFFF) {
      writer.rollback(mark);
      if (apex_at_ && *apex_at_ >= mark) {
        apex_at_.reset();  // the apex labels it pointed to were rolled back
      }
      if (ancount == 0) {
        finished_ = true;
        out.clear();
        return invalidArgument("transfer: a record does not fit in one message");
      }
      break;  // the message is full: this record opens the next one
    }
    ++ancount;
    ++records_written_;
    if (segment.kind == ItemKind::Records) {
      ++in_segment_;
    } else {
      ++segment_;
    }
  }
  if (segment_ >= segments_.size()) {
    finished_ = true;  // this message carries the last record (or is the only message)
  }
  if (query_.edns) {
    dns::writeOpt(writer, kEdnsPayload, 0, 0);
  }
  writer.patchU16(kAncountOffset, ancount);
  if (!writer.ok()) {
    finished_ = true;
    out.clear();
    return internalError("transfer: message overflowed its reserved room");
  }
  out.resize(writer.offset());
  return true;
}

}  // namespace fibdns::transfer
