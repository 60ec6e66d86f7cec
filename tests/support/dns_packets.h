#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Hand-rolled DNS packets for tests: a byte-level builder and a response decoder written apart
/// from (and without) fibdns_dns_codec, so that tests never check the codec with itself.
namespace fibdns::testutil {

using Bytes = std::vector<std::uint8_t>;

/// "Fibonacci.COM" -> 9 'F' 'i' ... 3 'C' 'O' 'M' 0. Case kept, no compression, no escapes;
/// "" or "." is the root. Labels are taken as given, even when longer than 63 (for bad packets).
Bytes encodeName(std::string_view name);

/// Appends raw fields; every multi-byte field is big-endian.
class PacketBuilder {
 public:
  PacketBuilder& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qdcount,
                        std::uint16_t ancount = 0, std::uint16_t nscount = 0,
                        std::uint16_t arcount = 0);
  PacketBuilder& u8(std::uint8_t value);
  PacketBuilder& u16(std::uint16_t value);
  PacketBuilder& u32(std::uint32_t value);
  PacketBuilder& raw(const Bytes& bytes);
  PacketBuilder& name(std::string_view name);  // encodeName
  PacketBuilder& question(std::string_view name, std::uint16_t qtype, std::uint16_t qclass = 1);
  /// An OPT pseudo-record (RFC 6891): root owner, CLASS = payload, TTL = ext-rcode, version, DO.
  PacketBuilder& opt(std::uint16_t payload, std::uint8_t version = 0, bool dnssec_ok = false,
                     const Bytes& options = {});

  std::size_t size() const { return bytes_.size(); }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

/// A normal query, as dig would send it.
struct QuerySpec {
  std::string name = "example.com";
  std::uint16_t qtype = 1;
  std::uint16_t qclass = 1;
  std::uint16_t id = 0x1234;
  std::uint8_t opcode = 0;
  bool rd = true;
  bool cd = false;
  bool edns = false;
  std::uint16_t edns_payload = 1232;
  std::uint8_t edns_version = 0;
  bool edns_do = false;
  Bytes edns_options;  // raw option bytes inside the OPT RDATA
};
Bytes buildQuery(const QuerySpec& spec);
Bytes buildQuery(std::string_view name, std::uint16_t qtype, std::uint16_t id = 0x1234);

/// One resource record to put into a message (names uncompressed, RDATA as given).
struct RecordSpec {
  std::string name;
  std::uint16_t type = 1;
  std::uint16_t rrclass = 1;
  std::uint32_t ttl = 0;
  Bytes rdata;
};

/// An RFC 2136 UPDATE request: zone section, prerequisites, updates, additional records.
struct UpdateSpec {
  std::uint16_t id = 0x2136;
  std::string zone = "example.org";
  std::uint16_t zone_type = 6;  // SOA
  std::uint16_t zone_class = 1;
  std::vector<RecordSpec> prerequisites;
  std::vector<RecordSpec> updates;
  std::vector<RecordSpec> additional;
};
Bytes buildUpdate(const UpdateSpec& spec);

/// The 4 RDATA bytes of "10.0.0.1".
Bytes ipv4Rdata(std::string_view dotted);

/// An IXFR query (RFC 1995 §3) as dig sends it: question (zone, IXFR, IN) and, in the authority
/// section, the client's SOA for the zone with `serial` (MNAME/RNAME are placeholders).
/// `with_soa` false leaves the authority section empty (a malformed IXFR).
Bytes buildIxfrQuery(std::string_view zone, std::uint32_t serial, std::uint16_t id = 0x1234,
                     bool with_soa = true);

/// One SOA record, uncompressed, for hand-built packets: owner, TTL and the seven RDATA fields.
Bytes soaRecord(std::string_view owner, std::uint32_t ttl, std::string_view mname,
                std::string_view rname, std::uint32_t serial, std::uint32_t refresh = 3600,
                std::uint32_t retry = 600, std::uint32_t expire = 1209600,
                std::uint32_t minimum = 60);

struct Record {
  std::size_t offset = 0;  // where the record starts in the message
  std::string name;        // presentation, case as found, no trailing dot; root = ""
  Bytes owner_raw;         // the owner's bytes as they sit in the message (labels and/or pointer)
  std::uint16_t type = 0;
  std::uint16_t rrclass = 0;
  std::uint32_t ttl = 0;
  Bytes rdata;
  // Decoded RDATA for the types the AS serves.
  std::string address;  // A: dotted quad
  std::string target;   // NS: the name; SOA: MNAME
  std::string mailbox;  // SOA: RNAME
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;  // SOA
};

struct Response {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, z = false, ad = false,
       cd = false;
  std::uint8_t opcode = 0;
  std::uint8_t rcode = 0;  // the header's 4 bits
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  Bytes question_raw;  // the question name's bytes exactly as in the reply
  std::string question_name;
  std::uint16_t qtype = 0, qclass = 0;
  std::vector<Record> answers, authority, additional;
  bool has_opt = false;
  std::uint16_t opt_payload = 0;
  std::uint8_t opt_ext_rcode = 0, opt_version = 0;
  bool opt_do = false;
  std::size_t size = 0;

  /// The 12-bit RCODE: header bits plus the OPT's extended bits.
  unsigned fullRcode() const { return (unsigned{opt_ext_rcode} << 4) | rcode; }
};

/// HMAC through OpenSSL's one-shot HMAC() (digest "sha1", "sha256" or "sha512"): the tests'
/// own MAC, computed apart from the code under test.
Bytes hmac(std::string_view digest, const Bytes& key, const Bytes& data);

/// How to sign a message with TSIG (RFC 8945 §4.3), spelled out field by field.
struct TsigSpec {
  std::string key_name = "key.example";
  std::string algorithm = "hmac-sha256";  // also the digest: hmac-<digest>
  Bytes secret;
  std::uint64_t time_signed = 0;
  std::uint16_t fudge = 300;
  std::optional<std::uint16_t> original_id;  // default: the message's ID
  std::uint16_t error = 0;
  Bytes other;
  std::size_t mac_size = 0;  // 0: the full MAC; otherwise its first mac_size bytes
  Bytes prior_mac;           // a reply's request MAC, or the previous MAC of a stream
  bool timers_only = false;  // a later message of a stream: digest only time and fudge
  std::optional<Bytes> mac;  // send these bytes as the MAC instead (tampering, empty)
};

/// The TSIG MAC of `message` (which has no TSIG; its header as the signer saw it, except that
/// the ID is replaced by the original ID) under `spec`, full length.
Bytes tsigMac(const Bytes& message, const TsigSpec& spec);

/// `message` with a TSIG RR appended (names uncompressed, as given) and ARCOUNT raised by one.
Bytes signMessage(const Bytes& message, const TsigSpec& spec);

/// The RDATA of a TSIG record, decoded.
struct TsigFields {
  std::string algorithm;
  std::uint64_t time_signed = 0;
  std::uint16_t fudge = 0;
  Bytes mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  Bytes other;
};
std::optional<TsigFields> decodeTsig(const Record& record);

/// The message before its last record (the TSIG), with ARCOUNT lowered by one: what the signer
/// digested. The message must parse (parseResponse).
Bytes withoutLastRecord(std::span<const std::uint8_t> message);

/// Decodes a reply strictly (bounds, backward-only pointers, no trailing bytes). nullopt, with
/// the reason in *error when given, when the reply is not a well-formed message.
std::optional<Response> parseResponse(std::span<const std::uint8_t> bytes,
                                      std::string* error = nullptr);

}  // namespace fibdns::testutil
