#include "fibdns/http/dns_client.h"

#include <type_traits>
#include <variant>

#include "fibdns/http/host_resolver.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {

Result<Resolution> UdpDnsClient::resolve(const net::AsEndpoint& as,
                                         const std::string& hostname) const {
  auto ip = resolveIpv4(as.ip);
  if (!ip) {
    return invalidArgument("as_ip: " + ip.status().message());
  }
  const net::AsEndpoint resolved{*ip, as.port};
  const std::string where = resolved.ip + ":" + std::to_string(resolved.port);
  auto reply = client_.query(resolved, hostname);
  if (!reply) {
    if (reply.status().code() == StatusCode::DeadlineExceeded) {
      return deadlineExceeded("no answer from the AS at " + where + " for " + hostname);
    }
    return Status(reply.status().code(), "AS at " + where + ": " + reply.status().message());
  }
  return std::visit(
      [&](const auto& parsed) -> Result<Resolution> {
        using T = std::decay_t<decltype(parsed)>;
        if constexpr (std::is_same_v<T, dns::lab::Answer>) {
          if (parsed.record.name != hostname) {
            return unavailable("the AS at " + where + " answered for another name (" +
                               oneLine(parsed.record.name, 80) + ")");
          }
          return Resolution{parsed.record.address.toString(), parsed.record.ttl};
        } else if constexpr (std::is_same_v<T, dns::lab::NotFoundReply>) {
          return notFound("hostname not found: " + hostname);
        } else if constexpr (std::is_same_v<T, dns::lab::ErrorReply>) {
          return unavailable(
              oneLine("the AS at " + where + " answered " + parsed.kind + " " + parsed.reason));
        } else if constexpr (std::is_same_v<T, dns::lab::UnparsableReply>) {
          return unavailable(
              oneLine("unparsable answer from the AS at " + where + ": " + parsed.reason));
        } else {
          return unavailable("unexpected answer from the AS at " + where);
        }
      },
      *reply);
}

}  // namespace fibdns::http
