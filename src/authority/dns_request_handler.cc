#include "fibdns/authority/dns_request_handler.h"

#include <algorithm>
#include <array>

#include "fibdns/dns/wire_reader.h"
#include "fibdns/dns/wire_writer.h"
#include "fibdns/transfer/transfer_query.h"
#include "fibdns/transfer/transfer_stream.h"
#include "fibdns/transfer/zone_content.h"
#include "fibdns/update/update_plan.h"

namespace fibdns::authority {
namespace {

constexpr std::uint8_t kOpcodeUpdate = 5;
// Room kept for a TSIG RR after a signed UDP reply: owner and algorithm names (at most 255 each
// in theory; tsig-keygen's are short), 10 fixed bytes, 16 of variables, a MAC of up to 64.
constexpr std::size_t kTsigRoom = 2 * 64 + 10 + 16 + 64 + 8;

// The records as update planning sees them: one consistent snapshot.
class SnapshotZoneView final : public update::ZoneView {
 public:
  SnapshotZoneView(const RecordCache& zone, const std::vector<dns::WireName>& apexes,
                   const ZoneConfig& config, const dns::WireName& primary_ns,
                   const dns::WireName& hostmaster)
      : zone_(zone),
        apexes_(apexes),
        config_(config),
        primary_ns_(primary_ns),
        hostmaster_(hostmaster) {}

  std::optional<update::ApexRecords> apexAt(const dns::WireName& name) const override {
    for (const dns::WireName& apex : apexes_) {
      if (apex.key() == name.key()) {
        update::ApexRecords records;
        records.mname = primary_ns_;
        records.rname = hostmaster_;
        records.serial = zone_.serial();
        records.refresh = config_.refresh;
        records.retry = config_.retry;
        records.expire = config_.expire;
        records.minimum = config_.minimum;
        records.ns.push_back(primary_ns_);
        return records;
      }
    }
    return std::nullopt;
  }

  std::optional<update::ARecordValue> findA(const dns::WireName& name) const override {
    const dns::ARecord* record = zone_.find(name.key());
    if (record == nullptr) {
      return std::nullopt;
    }
    return update::ARecordValue{record->address.octets, record->ttl};
  }

 private:
  const RecordCache& zone_;
  const std::vector<dns::WireName>& apexes_;
  const ZoneConfig& config_;
  const dns::WireName& primary_ns_;
  const dns::WireName& hostmaster_;
};

Status rcodeStatus(update::UpdateRcode rcode, const std::string& reason) {
  return failedPrecondition("rcode " + std::to_string(static_cast<int>(rcode)) + ": " + reason);
}

}  // namespace

DnsRequestHandler::DnsRequestHandler(const DnsResponder& responder, const ZoneConfig& zones,
                                     DnsSecurity security)
    : responder_(responder), zones_(zones), security_(security) {
  // The responder has validated the same configuration: these names parse.
  for (const std::string& apex : zones_.apexes) {
    if (auto name = dns::WireName::fromHostName(apex)) {
      apexes_.push_back(*name);
    }
  }
  if (auto name = dns::WireName::fromHostName(zones_.primary_ns)) {
    primary_ns_ = *name;
  }
  if (auto name = dns::WireName::fromHostName(zones_.hostmaster)) {
    hostmaster_ = *name;
  }
}

DnsRequestHandler::Outcome DnsRequestHandler::handle(std::span<const std::uint8_t> message,
                                                     const security::IpAddress& source,
                                                     Transport transport, std::uint64_t now,
                                                     const RecordCache& zone,
                                                     std::span<std::uint8_t> out) const {
  Outcome outcome;
  dns::WireReader reader(message);
  dns::Header header;
  if (!dns::readHeader(reader, header) || header.isResponse()) {
    return outcome;  // not a request: never answered (no reflection loops)
  }

  // TSIG first (RFC 8945 §5.2): a signed request that fails is answered NOTAUTH and nothing
  // else about it is looked at. TSIG and COOKIE live in the additional section: a message
  // without one (most queries) is not walked for them.
  const bool has_additional = header.arcount > 0;
  std::optional<security::TsigVerdict> verdict;
  if (has_additional) {
    const security::TsigKeyring& keyring =
        security_.keyring != nullptr ? *security_.keyring : no_keys_;
    auto checked = security::verifyRequest(message, keyring, now, security::TsigPolicy{});
    if (!checked) {
      outcome.reply = DnsResponder::respondToOversized(message, out);  // FORMERR, header only
      return outcome;
    }
    verdict = *checked;
  }
  if (verdict && !verdict->isVerified()) {
    outcome.reply = notAuthReply(header, *verdict, now, out);
    return outcome;
  }

  if (header.opcode() == kOpcodeUpdate) {
    auto parsed = update::parseUpdate(message);
    if (!parsed) {
      outcome.reply =
          updateReplyInto(header, nullptr, update::UpdateRcode::FormErr, verdict, now, out);
      return outcome;
    }
    const SnapshotZoneView view(zone, apexes_, zones_, primary_ns_, hostmaster_);
    const update::UpdatePlan zone_check = update::checkZone(*parsed, view);
    if (zone_check.rcode != update::UpdateRcode::NoError) {
      outcome.reply = updateReplyInto(header, &*parsed, zone_check.rcode, verdict, now, out);
      return outcome;
    }
    const bool allowed = security_.update_acl != nullptr &&
                         security_.update_acl->isAllowed(verdict ? &*verdict : nullptr, source);
    if (!allowed) {
      outcome.refused_write = true;
      outcome.reply =
          updateReplyInto(header, &*parsed, update::UpdateRcode::Refused, verdict, now, out);
      return outcome;
    }
    outcome.update = std::make_shared<PendingUpdate>(PendingUpdate{header, std::move(*parsed),
                                                                   verdict});
    return outcome;
  }

  // A query (or another opcode, which the responder answers NOTIMP). DNS cookies: a malformed
  // COOKIE is FORMERR (RFC 7873 §5.2.2); a client cookie gets a fresh server cookie.
  std::array<std::uint8_t, 4 + security::kClientCookieSize + security::kServerCookieSize>
      cookie_option{};
  ResponseExtras extras;
  if (security_.cookies != nullptr && has_additional) {
    auto cookie = security::findCookieOption(message);
    if (!cookie) {
      // FORMERR with the question and an OPT, as for any FORMERR to a query whose OPT is well
      // formed (RFC 6891 §7), not a bare header.
      extras.form_error = true;
    } else if (*cookie) {
      const auto now32 = static_cast<std::uint32_t>(now);
      outcome.valid_server_cookie =
          security_.cookies->check(**cookie, source, now32) == security::CookieCheck::Valid;
      dns::WireWriter option_writer(cookie_option);
      security_.cookies->writeReplyOption(option_writer, **cookie, source, now32);
      if (option_writer.ok()) {
        extras.options = option_writer.written();
      }
    }
  }
  if (verdict) {
    extras.reserved_tail = transport == Transport::Udp ? kTsigRoom : 0;
  }
  const auto size = responder_.respond(message, out, transport, zone, extras);
  if (size && verdict) {
    dns::WireWriter writer(out, *size);
    if (!security::appendResponseTsig(writer, *verdict, now)) {
      return outcome;  // cannot sign (no room): an unsigned answer would be rejected anyway
    }
    outcome.reply = writer.offset();
    return outcome;
  }
  outcome.reply = size;
  return outcome;
}

std::optional<std::size_t> DnsRequestHandler::notAuthReply(const dns::Header& header,
                                                           const security::TsigVerdict& verdict,
                                                           std::uint64_t now,
                                                           std::span<std::uint8_t> out) const {
  dns::WireWriter writer(out.first(std::min<std::size_t>(out.size(), 512)));
  dns::Header reply;
  reply.id = header.id;
  reply.flags = static_cast<std::uint16_t>(dns::flag::kQr | (header.flags & 0x7800) |
                                           security::kRcodeNotAuth);
  dns::writeHeader(writer, reply);
  if (!security::appendResponseTsig(writer, verdict, now) || !writer.ok()) {
    return std::nullopt;
  }
  return writer.offset();
}

std::optional<std::size_t> DnsRequestHandler::updateReplyInto(
    const dns::Header& header, const update::UpdateMessage* message, update::UpdateRcode rcode,
    const std::optional<security::TsigVerdict>& verdict, std::uint64_t now,
    std::span<std::uint8_t> out) const {
  dns::WireWriter writer(out.first(std::min<std::size_t>(out.size(), 512)));
  update::writeUpdateReply(writer, header, message, rcode);
  if (verdict && !security::appendResponseTsig(writer, *verdict, now)) {
    return std::nullopt;
  }
  if (!writer.ok()) {
    return std::nullopt;
  }
  return writer.offset();
}

bool DnsRequestHandler::handleTransfer(std::span<const std::uint8_t> message,
                                       const security::IpAddress& source, Transport transport,
                                       std::uint64_t now, const RecordCache& zone,
                                       const JournalReader& journal, const MessageSink& send,
                                       bool& refused) const {
  refused = false;
  const auto query = transfer::parseTransferQuery(message);
  if (!query) {
    return false;
  }
  std::array<std::uint8_t, 512> small{};
  const security::TsigKeyring& keyring =
      security_.keyring != nullptr ? *security_.keyring : no_keys_;
  auto checked = security::verifyRequest(message, keyring, now, security::TsigPolicy{});
  if (!checked) {
    if (const auto size = DnsResponder::respondToOversized(message, small)) {
      send(std::span<const std::uint8_t>(small.data(), *size));
    }
    return true;
  }
  const std::optional<security::TsigVerdict> verdict = *checked;
  if (verdict && !verdict->isVerified()) {
    if (const auto size = notAuthReply(query->header, *verdict, now, small)) {
      send(std::span<const std::uint8_t>(small.data(), *size));
    }
    return true;
  }

  // Which zone: the question must name one of our apexes exactly.
  transfer::ZoneContent content;
  std::optional<std::uint32_t> zone_serial;
  for (const dns::WireName& apex : apexes_) {
    if (apex.key() == query->question.name.key()) {
      content.apex = std::string(apex.key());
      zone_serial = zone.serial();
    }
  }
  const transfer::Transport wire =
      transport == Transport::Tcp ? transfer::Transport::Tcp : transfer::Transport::Udp;
  transfer::TransferPlan plan = transfer::planTransfer(*query, wire, zone_serial);
  const bool allowed = security_.transfer_acl != nullptr &&
                       security_.transfer_acl->isAllowed(verdict ? &*verdict : nullptr, source);
  if (!allowed && plan.answer != transfer::TransferAnswer::Reject) {
    refused = true;
    plan = transfer::TransferPlan{transfer::TransferAnswer::Reject, 5};  // REFUSED
  }
  std::vector<transfer::ChangeSet> chain;
  if (plan.needsJournal()) {
    auto read = journal ? journal(*query->client_serial, zone.serial())
                        : Result<std::vector<transfer::ChangeSet>>(notFound("no journal"));
    if (read) {
      chain = std::move(*read);
    } else {
      plan = plan.withoutJournal();
    }
  }
  if (!content.apex.empty() || zone_serial) {
    for (const dns::WireName& apex : apexes_) {
      if (apex.key() != content.apex && transfer::isAtOrBelow(apex.key(), content.apex)) {
        content.subzones.emplace_back(apex.key());
      }
    }
    content.apex_records.primary_ns = zones_.primary_ns;
    content.apex_records.hostmaster = zones_.hostmaster;
    content.apex_records.serial = zone.serial();
    content.apex_records.soa_ttl = zones_.soa_ttl;
    content.apex_records.ns_ttl = zones_.ns_ttl;
    content.apex_records.refresh = zones_.refresh;
    content.apex_records.retry = zones_.retry;
    content.apex_records.expire = zones_.expire;
    content.apex_records.minimum = zones_.minimum;
  }
  if (plan.needsZoneRecords()) {
    zone.forEach([&](const dns::ARecord& record) {
      if (content.owns(record.name)) {
        content.records.push_back({record.name, record.address, record.ttl});
      }
    });
    std::sort(content.records.begin(), content.records.end(),
              [](const transfer::ARecordRef& a, const transfer::ARecordRef& b) {
                return a.name < b.name;
              });
  }
  transfer::MessageLimits limits;
  limits.max_message_size = transport == Transport::Tcp ? DnsResponder::kMaxTcpMessage
                                                        : dns::kClassicUdpPayload;
  limits.reserved_tail = verdict ? kTsigRoom : 0;
  auto stream =
      transfer::TransferStream::create(*query, plan, std::move(content), std::move(chain), limits);
  if (!stream) {
    return true;  // cannot happen for a parsed query; nothing sensible to send
  }
  std::optional<security::TsigStreamSigner> signer;
  if (verdict) {
    signer.emplace(*verdict);
  }
  std::vector<std::uint8_t> part;
  std::vector<std::uint8_t> signed_part;
  for (;;) {
    const Result<bool> more = stream->next(part);
    if (!more || !*more) {
      return true;
    }
    if (!signer) {
      send(part);
      continue;
    }
    signed_part.assign(part.begin(), part.end());
    signed_part.resize(part.size() + kTsigRoom);
    dns::WireWriter writer(signed_part, part.size());
    if (!signer->signNext(writer, now)) {
      return true;  // no room to sign: stop rather than send an unsigned message
    }
    send(writer.written());
  }
}

std::size_t DnsRequestHandler::slipReply(std::span<std::uint8_t> reply) {
  dns::WireReader reader(reply);
  dns::Header header;
  if (!dns::readHeader(reader, header)) {
    return 0;
  }
  dns::Question question;
  const bool has_question = header.qdcount == 1 && dns::readQuestion(reader, question);
  const std::size_t end = has_question ? reply.size() - reader.remaining() : dns::kHeaderSize;
  header.flags = static_cast<std::uint16_t>(header.flags | dns::flag::kTc);
  header.qdcount = has_question ? 1 : 0;
  header.ancount = header.nscount = header.arcount = 0;
  dns::WireWriter writer(reply);
  dns::writeHeader(writer, header);
  return writer.ok() ? end : 0;
}

Status DnsRequestHandler::plan(const PendingUpdate& pending, const RecordCache& zone,
                               std::vector<RecordChange>& changes,
                               update::UpdateRcode& rcode) const {
  const SnapshotZoneView view(zone, apexes_, zones_, primary_ns_, hostmaster_);
  const update::UpdatePlan plan = update::planUpdate(pending.message, view);
  rcode = plan.rcode;
  if (plan.rcode != update::UpdateRcode::NoError) {
    return rcodeStatus(plan.rcode, plan.reason);
  }
  for (const update::RecordChange& change : plan.changes) {
    if (change.kind == update::RecordChange::Kind::Upsert) {
      changes.push_back(RecordChange::upsert(
          {change.name, dns::Ipv4Address{change.value.address}, change.value.ttl}));
    } else {
      changes.push_back(RecordChange::remove(change.name));
    }
  }
  return Status::ok();
}

std::vector<std::uint8_t> DnsRequestHandler::updateReply(const PendingUpdate& pending,
                                                         update::UpdateRcode rcode,
                                                         std::uint64_t now) const {
  std::vector<std::uint8_t> reply(512);
  const auto size = updateReplyInto(pending.header, &pending.message, rcode, pending.verdict,
                                    now, reply);
  reply.resize(size.value_or(0));
  return reply;
}

}  // namespace fibdns::authority
