#include "fibdns/authority/datagram_handler.h"

#include <string_view>

#include "fibdns/authority/lab_handler.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::authority {

std::optional<dns::ARecord> DatagramHandler::handle(std::span<const std::uint8_t> datagram,
                                                    bool truncated, const RecordCache& zone,
                                                    std::string& reply) {
  reply.clear();
  if (datagram.empty()) {
    return std::nullopt;  // nothing to answer, and an answer would only be a reflection
  }
  if (!dns::lab::looksLikeText(datagram)) {
    const auto size = truncated ? DnsResponder::respondToOversized(datagram, dns_reply_)
                                : responder_.respond(datagram, dns_reply_, Transport::Udp, zone);
    if (size) {
      reply.assign(reinterpret_cast<const char*>(dns_reply_.data()), *size);
    }
    return std::nullopt;
  }
  const std::string_view text(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  if (dns::lab::looksLikeReply(text)) {
    return std::nullopt;  // another server's reply: answering it could loop forever
  }
  if (truncated) {
    reply = dns::lab::encodeBadRequest("request larger than " + std::to_string(datagram.size()) +
                                       " bytes");
    return std::nullopt;
  }
  LabDecision decision = LabHandler::decide(text, zone);
  reply = std::move(decision.reply);
  return std::move(decision.registration);
}

}  // namespace fibdns::authority
