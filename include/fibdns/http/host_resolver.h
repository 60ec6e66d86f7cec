#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

/// System-resolver helpers for the adapters (never used by the pure services).
namespace fibdns::http {

/// A dotted quad is returned as is; a host name is resolved with getaddrinfo (AF_INET), first
/// address. InvalidArgument when the name does not resolve.
Result<std::string> resolveIpv4(std::string_view host);

/// The local address the kernel would use to send to ip:port (a UDP socket connected there, then
/// getsockname): the address of the interface that routes to the AS. Unavailable on failure.
Result<std::string> sourceAddressTowards(const std::string& ip, std::uint16_t port);

}  // namespace fibdns::http
