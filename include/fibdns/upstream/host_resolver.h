#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"

/// Blocking system-resolver helpers, for threads that serve no one else (the FS's
/// self-registration thread). Never use them on a request path: the UpstreamLoop resolves there.
namespace fibdns::upstream {

/// An IPv4 or IPv6 literal is returned as is (canonical); a host name is resolved with
/// getaddrinfo, first address (IPv4 preferred by the system's order). InvalidArgument when the
/// name does not resolve.
Result<std::string> resolveAddress(std::string_view host);

/// The local IPv4 address the kernel would use to send to ip:port (a UDP socket connected there,
/// then getsockname): the address of the interface that routes to the AS. InvalidArgument when
/// `ip` is not an IPv4 literal (an A record needs an IPv4 address); Unavailable on failure.
Result<std::string> sourceAddressTowards(const std::string& ip, std::uint16_t port);

}  // namespace fibdns::upstream
