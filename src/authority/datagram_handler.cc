#include "fibdns/authority/datagram_handler.h"

#include <string_view>

#include "fibdns/authority/lab_handler.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::authority {

DatagramOutcome DatagramHandler::handle(std::span<const std::uint8_t> datagram, bool truncated,
                                        const security::IpAddress& source, std::uint64_t now,
                                        const RecordCache& zone, std::string& reply) {
  DatagramOutcome outcome;
  reply.clear();
  if (datagram.empty()) {
    return outcome;  // nothing to answer, and an answer would only be a reflection
  }
  if (!dns::lab::looksLikeText(datagram)) {
    outcome.is_dns = true;
    std::optional<std::size_t> size;
    if (truncated) {
      size = DnsResponder::respondToOversized(datagram, dns_reply_);
    } else if (bool refused = false; dns_.handleTransfer(
                   datagram, source, Transport::Udp, now, zone, {},
                   [&](std::span<const std::uint8_t> message) {
                     reply.assign(reinterpret_cast<const char*>(message.data()), message.size());
                   },
                   refused)) {
      outcome.refused_write = refused;  // logged like a refused write: once per minute
      outcome.refused_what = "a zone transfer";
      return outcome;
    } else {
      DnsRequestHandler::Outcome dns =
          dns_.handle(datagram, source, Transport::Udp, now, zone, dns_reply_);
      size = dns.reply;
      outcome.update = std::move(dns.update);
      outcome.valid_server_cookie = dns.valid_server_cookie;
      outcome.refused_write = dns.refused_write;
      outcome.refused_what = "a DNS UPDATE";
    }
    if (size) {
      reply.assign(reinterpret_cast<const char*>(dns_reply_.data()), *size);
    }
    return outcome;
  }
  const std::string_view text(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  if (dns::lab::looksLikeReply(text)) {
    return outcome;  // another server's reply: answering it could loop forever
  }
  if (truncated) {
    reply = dns::lab::encodeBadRequest("request larger than " + std::to_string(datagram.size()) +
                                       " bytes");
    return outcome;
  }
  LabDecision decision = LabHandler::decide(text, zone);
  if (decision.registration && may_register_ && !may_register_(source)) {
    outcome.refused_write = true;
    outcome.refused_what = "a lab registration";
    reply = dns::lab::encodeRegistrationFailed("not allowed from " + source.toString());
    return outcome;
  }
  reply = std::move(decision.reply);
  outcome.registration = std::move(decision.registration);
  return outcome;
}

}  // namespace fibdns::authority
