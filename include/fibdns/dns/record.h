#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_reader.h"

/// Resource records as they sit in a message (RFC 1035 §4.1.3), for the parsers that need to see
/// every record rather than only the question and the OPT: TSIG, COOKIE, RFC 2136 UPDATE.
namespace fibdns::dns {

/// One record read from a message. `rdata` points into the message the reader covers, so it is
/// valid only as long as those bytes are; compression pointers inside it are not followed.
struct RecordView {
  std::size_t offset = 0;  // where the record (its owner name) starts in the message
  WireName owner;
  std::uint16_t type = 0;
  std::uint16_t rrclass = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_offset = 0;  // where the RDATA starts in the message
  std::span<const std::uint8_t> rdata;
};

/// Reads the record at the cursor: owner name (the one name parser), TYPE, CLASS, TTL, RDLENGTH
/// and RDATA, which must lie within the message. False, with the reader's sticky error set, when
/// anything is malformed or cut short. The RDATA's inside is not checked.
bool readRecord(WireReader& reader, RecordView& record);

/// Moves past `count` question entries (name, QTYPE, QCLASS); false when one is malformed.
bool skipQuestions(WireReader& reader, std::size_t count);

}  // namespace fibdns::dns
