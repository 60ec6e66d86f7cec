#include "fibdns/http/registrar.h"

#include <string>
#include <type_traits>
#include <variant>

#include "fibdns/http/host_resolver.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {

Status UdpRegistrar::registerRecord(const net::AsEndpoint& as, const dns::ARecord& record) const {
  auto ip = resolveIpv4(as.ip);
  if (!ip) {
    return invalidArgument("as_ip: " + ip.status().message());
  }
  const net::AsEndpoint resolved{*ip, as.port};
  const std::string where = resolved.ip + ":" + std::to_string(resolved.port);
  auto reply = client_.registerRecord(resolved, record);
  if (!reply) {
    if (reply.status().code() == StatusCode::DeadlineExceeded) {
      return deadlineExceeded("no reply from the AS at " + where);
    }
    return {reply.status().code(), "AS at " + where + ": " + reply.status().message()};
  }
  return std::visit(
      [&](const auto& parsed) -> Status {
        using T = std::decay_t<decltype(parsed)>;
        if constexpr (std::is_same_v<T, dns::lab::RegistrationSucceeded>) {
          return Status::ok();
        } else if constexpr (std::is_same_v<T, dns::lab::ErrorReply>) {
          std::string message = "the AS refused the registration: " + parsed.kind;
          if (!parsed.reason.empty()) {
            message += " " + parsed.reason;
          }
          return unavailable(oneLine(message));
        } else if constexpr (std::is_same_v<T, dns::lab::UnparsableReply>) {
          return unavailable(
              oneLine("unexpected reply from the AS at " + where + ": " + parsed.reason));
        } else {
          return unavailable("unexpected reply from the AS at " + where +
                             " (not a registration reply)");
        }
      },
      *reply);
}

}  // namespace fibdns::http
