#pragma once

#include "fibdns/common/allow_list.h"

namespace fibdns::security {

/// A client's IP address: what RRL, cookies and the update ACL key on (octets(): 4 or 16 bytes,
/// network order). The one IpAddress of the project, from common's allow-list; an IPv4-mapped
/// IPv6 address is the IPv4 address, so a client is the same client on either socket.
using IpAddress = fibdns::IpAddress;

}  // namespace fibdns::security
