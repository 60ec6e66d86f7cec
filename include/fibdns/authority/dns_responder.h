#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/authority/record_cache.h"
#include "fibdns/common/result.h"
#include "fibdns/dns/wire_name.h"

namespace fibdns::authority {

/// The zones the AS answers for and the SOA/NS data it serves at each apex. All zones share the
/// same SOA and NS contents (one server, one operator). Names are in presentation form.
struct ZoneConfig {
  /// Zone apexes; "" (or ".") is the root, which makes every name ours. A query for a name at or
  /// below none of them is REFUSED. The most specific (longest) apex wins.
  std::vector<std::string> apexes{""};
  /// SOA MNAME and the single NS record at every apex. The AS does not know the name it is
  /// reached by, so the default lies under ".invalid" (RFC 6761: guaranteed never to resolve),
  /// which makes an unconfigured deployment obvious rather than quietly wrong.
  std::string primary_ns = "ns1.fibdns.invalid";
  /// SOA RNAME: the operator's mailbox with the '@' as the first dot (RFC 1035 §8, RFC 2142).
  std::string hostmaster = "hostmaster.fibdns.invalid";
  std::uint32_t soa_ttl = 3600;    // TTL of the SOA record itself
  std::uint32_t ns_ttl = 3600;     // TTL of the apex NS record
  std::uint32_t refresh = 3600;    // secondaries: how often to check the serial
  std::uint32_t retry = 600;       // secondaries: retry after a failed refresh
  std::uint32_t expire = 1209600;  // secondaries: stop answering after 14 days without refresh
  /// RFC 2308 negative-caching TTL. Short, because names are registered at run time and a
  /// cached NXDOMAIN would hide a new registration from resolvers for this long.
  std::uint32_t minimum = 60;
  /// The name server identifier sent to clients that ask for it (RFC 5001 NSID); empty: none.
  std::string nsid;
};

enum class Transport { Udp, Tcp };

/// What a caller adds to a reply around the responder's answer.
struct ResponseExtras {
  /// More EDNS options, already encoded ({code, length, data}*), for the reply's OPT: sent only
  /// when the query had an OPT (e.g. a DNS COOKIE).
  std::span<const std::uint8_t> options;
  /// Bytes to keep free after the reply within the client's size limit (for a TSIG RR).
  std::size_t reserved_tail = 0;
  /// The caller found the query malformed in a way the responder does not check (a malformed
  /// COOKIE option, RFC 7873 §5.2.2): answer FORMERR, with the question and an OPT (DO copied)
  /// when the query's sections parsed and held a valid OPT, as for any other FORMERR.
  bool form_error = false;
};

/// Answers RFC 1035 queries from a RecordCache given per call: the pure "what do we answer" of the AS, with
/// no sockets (STYLE C1.1). Each call parses one query and writes one reply; it allocates
/// nothing and keeps no state between calls.
///
/// Policy, in order (the reject ladder, STYLE C6.4 and issue 5):
///  1. fewer than 12 bytes, or QR set: no reply (nullopt);
///  2. opcode other than QUERY: NOTIMP (ID, opcode and RD echoed; the question and an OPT when
///     the query had a well-formed one and a valid OPT, as RFC 6891 §6.1.1 asks);
///  3. QDCOUNT != 1, a malformed question, or a malformed record in the other sections
///     (including a malformed OPT or more than one OPT): FORMERR (with an OPT when the query's
///     sections parsed and held a valid one);
///  4. OPT with version > 0: BADVERS (RFC 6891 §6.1.3), question and OPT echoed;
///  5. class other than IN: REFUSED; name outside every zone: REFUSED;
///     AXFR/IXFR: REFUSED (zone transfers are not offered, as NSD and BIND answer by default);
///  6. otherwise an authoritative (AA) answer:
///     - SOA / NS at an apex: the record; ANY at an apex: SOA, NS and the A if registered;
///     - A or ANY for a registered name: the A record with its stored TTL;
///     - another type for a registered name, the apex, or an empty non-terminal: NODATA;
///     - otherwise NXDOMAIN; negative answers carry the zone's SOA in the authority section
///       with TTL min(soa_ttl, minimum) (RFC 2308 §3).
/// Every reply sets QR, copies ID, opcode, RD and CD, leaves RA, Z and AD clear, echoes the
/// question byte for byte (0x20) and compresses later names into it. A query with an OPT gets an
/// OPT (payload 1232, version 0, DO copied from the query; NSID when asked for and configured;
/// Extended DNS Error 20 "Not Authoritative" on a REFUSED for a name outside our zones). A reply larger than the client's limit (UDP: 512, or
/// the advertised payload raised to 512 and capped at 1232; TCP: 65535) is cut to header,
/// question and OPT with TC set. Bytes after the last counted record are ignored.
class DnsResponder {
 public:
  static constexpr std::uint16_t kEdnsPayload = 1232;
  static constexpr std::size_t kMaxTcpMessage = 65535;

  /// Validates the configuration (every name a valid host name or the root; at least one apex)
  /// and builds the responder. InvalidArgument naming the bad field otherwise.
  static Result<DnsResponder> create(const ZoneConfig& config);

  /// Answers one query.
  /// @param query the datagram or TCP frame payload (without the 2-byte length)
  /// @param out where the reply goes; give 65535 bytes for TCP, at least 1232 for UDP (a smaller
  ///        buffer lowers the limit and so truncates sooner)
  /// @param zone_data the records and serial to answer from (read only; the caller keeps it
  ///        alive and unchanged for the duration of the call)
  /// @return the reply's size in `out`, or nullopt when no reply must be sent
  std::optional<std::size_t> respond(std::span<const std::uint8_t> query,
                                     std::span<std::uint8_t> out, Transport transport,
                                     const RecordCache& zone_data,
                                     const ResponseExtras& extras = {}) const;

  /// The reply to a message that could not be read whole (a datagram larger than the receive
  /// buffer; `head` is its beginning): FORMERR, header only, when `head` starts with a query's
  /// header; nullopt (no reply) otherwise.
  static std::optional<std::size_t> respondToOversized(std::span<const std::uint8_t> head,
                                                       std::span<std::uint8_t> out);

 private:
  explicit DnsResponder(const ZoneConfig& config) : config_(config) {}

  ZoneConfig config_;
  std::vector<dns::WireName> apexes_;
  dns::WireName primary_ns_;
  dns::WireName hostmaster_;
};

}  // namespace fibdns::authority
