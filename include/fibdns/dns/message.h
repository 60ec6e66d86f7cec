#pragma once

#include <cstddef>
#include <cstdint>

#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_reader.h"
#include "fibdns/dns/wire_writer.h"

/// RFC 1035 message pieces: the header, the question and the EDNS0 OPT record (RFC 6891).
/// Pure: no I/O and no allocation.
namespace fibdns::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kClassicUdpPayload = 512;  // RFC 1035 §2.3.4
inline constexpr std::size_t kOptRecordSize = 11;       // root owner, no options

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeNs = 2;
inline constexpr std::uint16_t kTypeSoa = 6;
inline constexpr std::uint16_t kTypeOpt = 41;
inline constexpr std::uint16_t kTypeIxfr = 251;
inline constexpr std::uint16_t kTypeAxfr = 252;
inline constexpr std::uint16_t kTypeAny = 255;
inline constexpr std::uint16_t kClassIn = 1;

enum class Opcode : std::uint8_t { Query = 0 };

/// Response codes; values above 15 need the extended RCODE bits of an OPT record.
enum class Rcode : std::uint16_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
  BadVers = 16,  // RFC 6891 §9
};

/// Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD).
namespace flag {
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kAa = 0x0400;
inline constexpr std::uint16_t kTc = 0x0200;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kRa = 0x0080;
inline constexpr std::uint16_t kZ = 0x0040;
inline constexpr std::uint16_t kAd = 0x0020;
inline constexpr std::uint16_t kCd = 0x0010;
}  // namespace flag

/// The fixed 12-byte header, field by field (never cast onto the buffer: STYLE C6.5).
struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0;
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  std::uint16_t arcount = 0;

  bool isResponse() const { return (flags & flag::kQr) != 0; }
  std::uint8_t opcode() const { return static_cast<std::uint8_t>((flags >> 11) & 0x0F); }
  std::uint8_t rcode() const { return static_cast<std::uint8_t>(flags & 0x0F); }
};

/// Reads the header; false (with the reader's error set) when fewer than 12 bytes remain.
bool readHeader(WireReader& reader, Header& header);
void writeHeader(WireWriter& writer, const Header& header);

struct Question {
  WireName name;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
};

/// Reads one question entry; false when the name is malformed or the entry is cut short.
bool readQuestion(WireReader& reader, Question& question);

inline constexpr std::uint16_t kOptionNsid = 3;   // RFC 5001
inline constexpr std::uint16_t kOptionEde = 15;   // RFC 8914: Extended DNS Error
inline constexpr std::uint16_t kEdeNotAuthoritative = 20;

/// What the query's OPT record said (RFC 6891 §6.1.3). Unknown options are skipped.
struct EdnsInfo {
  bool present = false;
  std::uint16_t udp_payload = 0;  // as advertised; the caller applies the 512 floor
  std::uint8_t extended_rcode = 0;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  bool nsid_requested = false;            // an NSID option was present (RFC 5001 §2.1)
  std::span<const std::uint8_t> options;  // the OPT's RDATA: {code, length, data}*, checked
};

enum class EdnsParse {
  Ok,           // no OPT, or one well-formed OPT
  Malformed,    // a record in any section is cut short or malformed, or an OPT is malformed
  MultipleOpt,  // RFC 6891 §6.1.1: more than one OPT is a FORMERR
};

/// Reads the answer, authority and additional sections that follow the question (their counts
/// come from `header`) and finds the OPT record. Every record is checked for shape (name, fixed
/// fields, RDLENGTH within the message). An OPT is malformed unless it is in the additional
/// section, has the root as owner and its RDATA is a whole sequence of {code, length, data}
/// options. Bytes after the last counted record are ignored (as NSD does; RFC 1035 is silent).
EdnsParse readEdns(WireReader& reader, const Header& header, EdnsInfo& edns);

/// Writes an OPT record with no options: root owner, CLASS = our UDP payload size, TTL =
/// extended RCODE (the high 8 bits of a 12-bit RCODE), version and flags (DO clear).
void writeOpt(WireWriter& writer, std::uint16_t udp_payload, std::uint8_t extended_rcode,
              std::uint8_t version);

/// Writes an OPT record's fixed part with DO as given and RDLENGTH 0, and returns the offset of
/// that RDLENGTH: the caller appends options (writeOption) and then patches it with
/// finishOpt().
std::size_t startOpt(WireWriter& writer, std::uint16_t udp_payload, std::uint8_t extended_rcode,
                     std::uint8_t version, bool dnssec_ok);
/// Appends one EDNS option {code, length, data}.
void writeOption(WireWriter& writer, std::uint16_t code, std::span<const std::uint8_t> data);
/// Sets the RDLENGTH written by startOpt() to cover everything written since.
void finishOpt(WireWriter& writer, std::size_t rdlength_offset);

}  // namespace fibdns::dns
