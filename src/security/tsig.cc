#include "fibdns/security/tsig.h"

#include <array>
#include <string>

#include "dns/ascii.h"
#include "fibdns/dns/message.h"
#include "fibdns/dns/record.h"
#include "fibdns/dns/wire_reader.h"
#include "security/openssl_mac.h"

namespace fibdns::security {
namespace {

constexpr std::size_t kArcountOffset = 10;
constexpr std::uint64_t kMaxTimeSigned = (std::uint64_t{1} << 48) - 1;

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void put48(Bytes& out, std::uint64_t value) {
  for (int shift = 40; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
  }
}

// RFC 4034 §6.2 canonical form: uncompressed, ASCII lower case. Length bytes are at most 63, below
// 'A', so lower-casing the whole wire form touches only label characters.
Bytes canonicalName(const dns::WireName& name) {
  Bytes out(name.wire().begin(), name.wire().end());
  for (std::uint8_t& c : out) {
    c = dns::toLowerAscii(c);
  }
  return out;
}

// The TSIG variables of RFC 8945 §4.3.3, in digest order.
Bytes tsigVariables(const dns::WireName& key_name, const dns::WireName& algorithm,
                    std::uint64_t time_signed, std::uint16_t fudge, std::uint16_t error,
                    std::span<const std::uint8_t> other) {
  Bytes out = canonicalName(key_name);
  put16(out, kClassAny);
  put16(out, 0);  // TTL, 32 bits of zero
  put16(out, 0);
  const Bytes algorithm_wire = canonicalName(algorithm);
  out.insert(out.end(), algorithm_wire.begin(), algorithm_wire.end());
  put48(out, time_signed);
  put16(out, fudge);
  put16(out, error);
  put16(out, static_cast<std::uint16_t>(other.size()));
  out.insert(out.end(), other.begin(), other.end());
  return out;
}

// Feeds a message without its TSIG: the header with the ID and ARCOUNT the signer saw, then the
// rest byte for byte. `message` is at least a header long.
void feedMessage(detail::Mac& mac, std::span<const std::uint8_t> message, std::uint16_t id,
                 std::uint16_t arcount) {
  Bytes header(message.begin(), message.begin() + dns::kHeaderSize);
  header[0] = static_cast<std::uint8_t>(id >> 8);
  header[1] = static_cast<std::uint8_t>(id & 0xFF);
  header[kArcountOffset] = static_cast<std::uint8_t>(arcount >> 8);
  header[kArcountOffset + 1] = static_cast<std::uint8_t>(arcount & 0xFF);
  mac.update(header);
  mac.update(message.subspan(dns::kHeaderSize));
}

void feedPriorMac(detail::Mac& mac, std::span<const std::uint8_t> prior) {
  Bytes length;
  put16(length, static_cast<std::uint16_t>(prior.size()));
  mac.update(length);
  mac.update(prior);
}

std::uint16_t readU16At(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

std::size_t minimumMacSize(TsigAlgorithm algorithm) {
  const std::size_t half = tsigMacLength(algorithm) / 2;
  return half > 10 ? half : 10;
}

bool parseTsigRdata(const dns::RecordView& record, TsigRecord& out) {
  // A reader over the RDATA alone: a compression pointer in it cannot point anywhere valid,
  // so the uncompressed names RFC 8945 §4.2 requires are enforced by the one name parser.
  dns::WireReader reader(record.rdata);
  if (!dns::WireName::fromWire(reader, out.algorithm_name)) {
    return false;
  }
  const std::uint64_t high = reader.readU16();
  const std::uint64_t low = reader.readU32();
  out.time_signed = (high << 32) | low;
  out.fudge = reader.readU16();
  const std::uint16_t mac_size = reader.readU16();
  const auto mac = reader.readBytes(mac_size);
  out.mac.assign(mac.begin(), mac.end());
  out.original_id = reader.readU16();
  out.error = reader.readU16();
  const std::uint16_t other_length = reader.readU16();
  const auto other = reader.readBytes(other_length);
  out.other_data.assign(other.begin(), other.end());
  return reader.ok() && reader.remaining() == 0;
}

// Writes a TSIG RR after what `writer` holds and bumps ARCOUNT. The MAC was computed already.
bool writeTsigRecord(dns::WireWriter& writer, const dns::WireName& key_name,
                     const dns::WireName& algorithm, std::uint64_t time_signed, std::uint16_t fudge,
                     std::span<const std::uint8_t> mac, std::uint16_t original_id,
                     std::uint16_t error, std::span<const std::uint8_t> other) {
  const std::uint16_t arcount = readU16At(writer.written(), kArcountOffset);
  if (arcount == 0xFFFF) {
    return false;
  }
  writer.writeName(canonicalName(key_name), dns::NameCompression::None);
  writer.writeU16(kTypeTsig);
  writer.writeU16(kClassAny);
  writer.writeU32(0);
  const std::size_t rdlength_offset = writer.offset();
  writer.writeU16(0);
  writer.writeName(canonicalName(algorithm), dns::NameCompression::None);
  writer.writeU16(static_cast<std::uint16_t>(time_signed >> 32));
  writer.writeU32(static_cast<std::uint32_t>(time_signed & 0xFFFFFFFF));
  writer.writeU16(fudge);
  writer.writeU16(static_cast<std::uint16_t>(mac.size()));
  writer.writeBytes(mac);
  writer.writeU16(original_id);
  writer.writeU16(error);
  writer.writeU16(static_cast<std::uint16_t>(other.size()));
  writer.writeBytes(other);
  if (!writer.ok()) {
    return false;
  }
  writer.patchU16(rdlength_offset,
                  static_cast<std::uint16_t>(writer.offset() - rdlength_offset - 2));
  writer.patchU16(kArcountOffset, static_cast<std::uint16_t>(arcount + 1));
  return writer.ok();
}

dns::WireName algorithmWireName(TsigAlgorithm algorithm) {
  auto name = dns::WireName::fromHostName(tsigAlgorithmName(algorithm));
  return name ? name.value() : dns::WireName{};
}

// Signs the reply held by `writer`: the first (or only) message of a reply, whose MAC covers
// the request MAC and all the TSIG variables (RFC 8945 §4.3.1, §4.3.3). `mac_out` gets the MAC.
bool signFirst(dns::WireWriter& writer, const TsigVerdict& verdict, std::uint64_t now,
               Bytes& mac_out) {
  const TsigKey& key = *verdict.key;
  const auto reply = writer.written();
  const std::uint16_t id = readU16At(reply, 0);
  const std::uint16_t arcount = readU16At(reply, kArcountOffset);
  std::uint64_t time_signed = now & kMaxTimeSigned;
  Bytes other;
  if (verdict.error == TsigError::BadTime) {
    // RFC 8945 §5.2.3: the client's own time goes back, so that it can check our MAC, and ours
    // in Other Data, so that it can see how far apart the clocks are.
    time_signed = verdict.request.time_signed;
    put48(other, verdict.checked_at & kMaxTimeSigned);
  }
  const dns::WireName algorithm = algorithmWireName(key.algorithm);
  detail::Mac mac = detail::Mac::hmac(key.algorithm, key.secret);
  feedPriorMac(mac, verdict.request.mac);
  feedMessage(mac, reply, id, arcount);
  mac.update(tsigVariables(key.name, algorithm, time_signed, kDefaultFudge,
                           static_cast<std::uint16_t>(verdict.error), other));
  std::array<std::uint8_t, detail::kMaxMacLength> digest{};
  const std::size_t length = mac.finish(digest);
  if (length == 0) {
    return false;
  }
  mac_out.assign(digest.begin(), digest.begin() + static_cast<std::ptrdiff_t>(length));
  return writeTsigRecord(writer, key.name, algorithm, time_signed, kDefaultFudge, mac_out, id,
                         static_cast<std::uint16_t>(verdict.error), other);
}

}  // namespace

std::optional<TsigAlgorithm> tsigAlgorithmFromName(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  std::string lower(name);
  for (char& c : lower) {
    c = static_cast<char>(dns::toLowerAscii(static_cast<std::uint8_t>(c)));
  }
  for (const TsigAlgorithm algorithm :
       {TsigAlgorithm::HmacSha1, TsigAlgorithm::HmacSha256, TsigAlgorithm::HmacSha512}) {
    if (lower == tsigAlgorithmName(algorithm)) {
      return algorithm;
    }
  }
  return std::nullopt;
}

std::string_view tsigAlgorithmName(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::HmacSha1:
      return "hmac-sha1";
    case TsigAlgorithm::HmacSha256:
      return "hmac-sha256";
    case TsigAlgorithm::HmacSha512:
      return "hmac-sha512";
  }
  return "hmac-sha256";
}

std::size_t tsigMacLength(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::HmacSha1:
      return 20;
    case TsigAlgorithm::HmacSha256:
      return 32;
    case TsigAlgorithm::HmacSha512:
      return 64;
  }
  return 32;
}

Status TsigKeyring::add(TsigKey key) {
  std::string index(key.name.key());
  if (keys_.contains(index)) {
    return invalidArgument("duplicate TSIG key name: " + index);
  }
  keys_.emplace(std::move(index), std::move(key));
  return Status::ok();
}

const TsigKey* TsigKeyring::find(const dns::WireName& name) const {
  const auto it = keys_.find(name.key());
  return it == keys_.end() ? nullptr : &it->second;
}

Result<std::optional<TsigRecord>> findTsig(std::span<const std::uint8_t> message) {
  dns::WireReader reader(message);
  dns::Header header;
  if (!dns::readHeader(reader, header)) {
    return invalidArgument("message shorter than a DNS header");
  }
  if (!dns::skipQuestions(reader, header.qdcount)) {
    return invalidArgument("malformed question section");
  }
  const std::size_t before_additional = std::size_t{header.ancount} + header.nscount;
  const std::size_t total = before_additional + header.arcount;
  dns::RecordView record;
  for (std::size_t i = 0; i < total; ++i) {
    if (!dns::readRecord(reader, record)) {
      return invalidArgument("malformed resource record");
    }
    if (record.type != kTypeTsig) {
      continue;
    }
    // RFC 8945 §5.1 (and §4.2): one TSIG, the last record of the additional section.
    if (i < before_additional || i + 1 != total) {
      return invalidArgument("TSIG is not the last additional record");
    }
    if (record.rrclass != kClassAny || record.ttl != 0) {
      return invalidArgument("TSIG CLASS is not ANY or TTL is not 0");
    }
    TsigRecord tsig;
    tsig.offset = record.offset;
    tsig.key_name = record.owner;
    if (!parseTsigRdata(record, tsig)) {
      return invalidArgument("malformed TSIG RDATA");
    }
    return std::optional<TsigRecord>(std::move(tsig));
  }
  return std::optional<TsigRecord>();
}

Result<std::optional<TsigVerdict>> verifyRequest(std::span<const std::uint8_t> message,
                                                 const TsigKeyring& keys, std::uint64_t now,
                                                 const TsigPolicy& policy) {
  auto found = findTsig(message);
  if (!found) {
    return found.status();
  }
  if (!found->has_value()) {
    return std::optional<TsigVerdict>();
  }
  TsigVerdict verdict;
  verdict.request = std::move(**found);
  verdict.checked_at = now;
  const TsigRecord& request = verdict.request;

  // §5.2.1 key check.
  const TsigKey* key = keys.find(request.key_name);
  const auto algorithm = tsigAlgorithmFromName(request.algorithm_name.key());
  if (key == nullptr || !algorithm || *algorithm != key->algorithm) {
    verdict.error = TsigError::BadKey;
    return std::optional<TsigVerdict>(std::move(verdict));
  }
  verdict.key = key;

  // §5.2.2.1 MAC size.
  const std::size_t full = tsigMacLength(key->algorithm);
  const std::size_t size = request.mac.size();
  if (size == 0) {
    verdict.error = TsigError::BadSig;
    return std::optional<TsigVerdict>(std::move(verdict));
  }
  if (size > full || size < minimumMacSize(key->algorithm)) {
    return invalidArgument("TSIG MAC size " + std::to_string(size) + " out of range");
  }

  // §5.2.2 MAC check: the request without its TSIG, as its signer saw it (Original ID, ARCOUNT
  // without the TSIG), then the TSIG variables.
  const auto unsigned_part = message.first(request.offset);
  const std::uint16_t arcount = readU16At(message, kArcountOffset);
  detail::Mac mac = detail::Mac::hmac(key->algorithm, key->secret);
  feedMessage(mac, unsigned_part, request.original_id, static_cast<std::uint16_t>(arcount - 1));
  mac.update(tsigVariables(request.key_name, request.algorithm_name, request.time_signed,
                           request.fudge, request.error, request.other_data));
  std::array<std::uint8_t, detail::kMaxMacLength> digest{};
  const std::size_t length = mac.finish(digest);
  if (length == 0) {
    return internalError("OpenSSL HMAC failed");
  }
  // §5.2.2.1: a truncated MAC is compared with as many leading bytes of ours.
  if (!detail::constantTimeEquals(std::span<const std::uint8_t>(digest.data(), size),
                                  request.mac)) {
    verdict.error = TsigError::BadSig;
    return std::optional<TsigVerdict>(std::move(verdict));
  }

  // §5.2.3 time check, after the MAC so that an attacker cannot learn our clock.
  const std::uint64_t distance =
      now > request.time_signed ? now - request.time_signed : request.time_signed - now;
  if (distance > request.fudge) {
    verdict.error = TsigError::BadTime;
    return std::optional<TsigVerdict>(std::move(verdict));
  }

  // §5.2.4 truncation check against local policy.
  if (size < full && size < policy.min_mac_size) {
    verdict.error = TsigError::BadTrunc;
  }
  return std::optional<TsigVerdict>(std::move(verdict));
}

bool appendResponseTsig(dns::WireWriter& writer, const TsigVerdict& verdict, std::uint64_t now) {
  if (writer.written().size() < dns::kHeaderSize) {
    return false;
  }
  if (verdict.error == TsigError::BadKey || verdict.error == TsigError::BadSig ||
      verdict.key == nullptr) {
    // §5.3.2: errors about the key or the MAC go back unsigned, naming what the client sent.
    const std::uint16_t id = readU16At(writer.written(), 0);
    return writeTsigRecord(writer, verdict.request.key_name, verdict.request.algorithm_name,
                           now & kMaxTimeSigned, kDefaultFudge, {}, id,
                           static_cast<std::uint16_t>(verdict.error), {});
  }
  Bytes mac;
  return signFirst(writer, verdict, now, mac);
}

TsigStreamSigner::TsigStreamSigner(const TsigVerdict& verdict) : verdict_(verdict) {}

bool TsigStreamSigner::signNext(dns::WireWriter& writer, std::uint64_t now) {
  if (!verdict_.isVerified() || verdict_.key == nullptr ||
      writer.written().size() < dns::kHeaderSize) {
    return false;
  }
  if (first_) {
    Bytes mac;
    if (!signFirst(writer, verdict_, now, mac)) {
      return false;
    }
    prior_mac_ = std::move(mac);
    first_ = false;
    return true;
  }
  // §5.3.1: later messages chain on the previous MAC and carry the timers only.
  const TsigKey& key = *verdict_.key;
  const auto reply = writer.written();
  const std::uint16_t id = readU16At(reply, 0);
  const std::uint64_t time_signed = now & kMaxTimeSigned;
  detail::Mac mac = detail::Mac::hmac(key.algorithm, key.secret);
  feedPriorMac(mac, prior_mac_);
  feedMessage(mac, reply, id, readU16At(reply, kArcountOffset));
  Bytes timers;
  put48(timers, time_signed);
  put16(timers, kDefaultFudge);
  mac.update(timers);
  std::array<std::uint8_t, detail::kMaxMacLength> digest{};
  const std::size_t length = mac.finish(digest);
  if (length == 0) {
    return false;
  }
  Bytes signature(digest.begin(), digest.begin() + static_cast<std::ptrdiff_t>(length));
  if (!writeTsigRecord(writer, key.name, algorithmWireName(key.algorithm), time_signed,
                       kDefaultFudge, signature, id, 0, {})) {
    return false;
  }
  prior_mac_ = std::move(signature);
  return true;
}

}  // namespace fibdns::security
