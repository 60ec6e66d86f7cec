#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fibdns/common/result.h"
#include "fibdns/dns/ipv4.h"

/// JSON request bodies, parsed with RapidJSON (iterative parser: constant stack depth on hostile
/// nesting). Pure: no I/O. Handlers get plain structs and never see a rapidjson::Value.
namespace fibdns::http::json {

/// The FS's PUT /register body:
///   {"hostname": "fibonacci.com", "ip": "172.18.0.2", "as_ip": "10.9.10.2", "as_port": "53533"}
struct RegistrationRequest {
  std::string hostname;       // normalised (lowercase, no trailing dot)
  dns::Ipv4Address ip;        // the address to register
  std::string as_ip;          // the AS: a dotted quad, or a host name for the system resolver
  std::uint16_t as_port = 0;  // 1..65535
  std::optional<std::uint32_t> ttl;  // optional extension; the server's default when absent
};

/// Parses and validates a registration body. Rules:
///  * the body is one JSON object (anything else, or trailing bytes, is an error that gives the
///    parser's reason and offset);
///  * "hostname" (or its alias "hostbane", from a typo in the original README; both may be given
///    only with the same value), "ip", "as_ip" are strings; "as_port" is a string or an integer,
///    1..65535; optional "ttl" is a string or an integer, 0..2147483647;
///  * a member name given twice, or an unknown member, is an error;
///  * hostname must be a valid DNS name, ip a dotted-quad IPv4 address, as_ip either.
/// InvalidArgument with a one-line message naming the field otherwise.
Result<RegistrationRequest> parseRegistrationRequest(std::string_view body);

}  // namespace fibdns::http::json
