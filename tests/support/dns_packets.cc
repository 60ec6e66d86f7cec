#include "support/dns_packets.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>
#include <string>

namespace fibdns::testutil {
namespace {

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16));
  put16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}

// A deliberately plain decoder: indexes the buffer and throws on anything wrong.
class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint8_t at(std::size_t index) const {
    if (index >= bytes_.size()) {
      throw std::runtime_error("read past end at " + std::to_string(index));
    }
    return bytes_[index];
  }
  std::uint16_t get16() {
    const auto value = static_cast<std::uint16_t>((at(pos_) << 8) | at(pos_ + 1));
    pos_ += 2;
    return value;
  }
  std::uint32_t get32() {
    const std::uint32_t high = get16();
    return (high << 16) | get16();
  }

  // Reads a name at pos_, following pointers (which must point backwards), and advances pos_
  // past the name as written. raw receives the written bytes.
  std::string name(Bytes* raw = nullptr) {
    const std::size_t start = pos_;
    std::string text;
    std::size_t cursor = pos_;
    std::size_t end = 0;
    bool jumped = false;
    std::size_t total = 1;
    for (int hops = 0;;) {
      const std::uint8_t length = at(cursor);
      if (length >= 0xC0) {
        const std::size_t target = ((length & 0x3Fu) << 8) | at(cursor + 1);
        if (target >= cursor || ++hops > 50) {
          throw std::runtime_error("bad compression pointer at " + std::to_string(cursor));
        }
        if (!jumped) {
          end = cursor + 2;
          jumped = true;
        }
        cursor = target;
        continue;
      }
      if (length > 63) {
        throw std::runtime_error("bad label length");
      }
      if (length == 0) {
        if (!jumped) {
          end = cursor + 1;
        }
        break;
      }
      total += length + 1u;
      if (total > 255) {
        throw std::runtime_error("name over 255 bytes");
      }
      if (!text.empty()) {
        text += '.';
      }
      for (std::size_t i = 1; i <= length; ++i) {
        text += static_cast<char>(at(cursor + i));
      }
      cursor += length + 1u;
    }
    pos_ = end;
    if (raw != nullptr) {
      raw->assign(bytes_.begin() + static_cast<std::ptrdiff_t>(start),
                  bytes_.begin() + static_cast<std::ptrdiff_t>(end));
    }
    return text;
  }

  Record record() {
    Record r;
    r.offset = pos_;
    r.name = name(&r.owner_raw);
    r.type = get16();
    r.rrclass = get16();
    r.ttl = get32();
    const std::uint16_t rdlength = get16();
    if (rdlength > bytes_.size() - std::min(pos_, bytes_.size())) {
      throw std::runtime_error("RDATA past end");
    }
    const std::size_t rdata_start = pos_;
    r.rdata.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
                   bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + rdlength));
    if (r.type == 1) {
      if (rdlength != 4) {
        throw std::runtime_error("A RDATA not 4 bytes");
      }
      r.address = std::to_string(at(pos_)) + "." + std::to_string(at(pos_ + 1)) + "." +
                  std::to_string(at(pos_ + 2)) + "." + std::to_string(at(pos_ + 3));
    } else if (r.type == 2) {
      r.target = name();
    } else if (r.type == 6) {
      r.target = name();
      r.mailbox = name();
      r.serial = get32();
      r.refresh = get32();
      r.retry = get32();
      r.expire = get32();
      r.minimum = get32();
    }
    if (r.type == 2 || r.type == 6) {
      if (pos_ - rdata_start != rdlength) {
        throw std::runtime_error("RDLENGTH does not match the RDATA");
      }
    }
    pos_ = rdata_start + rdlength;
    return r;
  }

  std::size_t pos() const { return pos_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

Bytes encodeName(std::string_view name) {
  Bytes out;
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  return out;
}

PacketBuilder& PacketBuilder::header(std::uint16_t id, std::uint16_t flags, std::uint16_t qdcount,
                                     std::uint16_t ancount, std::uint16_t nscount,
                                     std::uint16_t arcount) {
  for (const std::uint16_t field : {id, flags, qdcount, ancount, nscount, arcount}) {
    put16(bytes_, field);
  }
  return *this;
}

PacketBuilder& PacketBuilder::u8(std::uint8_t value) {
  bytes_.push_back(value);
  return *this;
}
PacketBuilder& PacketBuilder::u16(std::uint16_t value) {
  put16(bytes_, value);
  return *this;
}
PacketBuilder& PacketBuilder::u32(std::uint32_t value) {
  put32(bytes_, value);
  return *this;
}
PacketBuilder& PacketBuilder::raw(const Bytes& bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}
PacketBuilder& PacketBuilder::name(std::string_view name) { return raw(encodeName(name)); }

PacketBuilder& PacketBuilder::question(std::string_view name, std::uint16_t qtype,
                                       std::uint16_t qclass) {
  return this->name(name).u16(qtype).u16(qclass);
}

PacketBuilder& PacketBuilder::opt(std::uint16_t payload, std::uint8_t version, bool dnssec_ok,
                                  const Bytes& options) {
  u8(0).u16(41).u16(payload);
  u32((std::uint32_t{version} << 16) | (dnssec_ok ? 0x8000u : 0u));
  u16(static_cast<std::uint16_t>(options.size()));
  return raw(options);
}

Bytes buildQuery(const QuerySpec& spec) {
  std::uint16_t flags = static_cast<std::uint16_t>((spec.opcode & 0x0F) << 11);
  if (spec.rd) {
    flags |= 0x0100;
  }
  if (spec.cd) {
    flags |= 0x0010;
  }
  PacketBuilder builder;
  builder.header(spec.id, flags, 1, 0, 0, spec.edns ? 1 : 0)
      .question(spec.name, spec.qtype, spec.qclass);
  if (spec.edns) {
    builder.opt(spec.edns_payload, spec.edns_version, spec.edns_do, spec.edns_options);
  }
  return builder.bytes();
}

Bytes buildUpdate(const UpdateSpec& spec) {
  PacketBuilder builder;
  builder
      .header(spec.id, 0x2800, 1, static_cast<std::uint16_t>(spec.prerequisites.size()),
              static_cast<std::uint16_t>(spec.updates.size()),
              static_cast<std::uint16_t>(spec.additional.size()))
      .question(spec.zone, spec.zone_type, spec.zone_class);
  for (const auto* section : {&spec.prerequisites, &spec.updates, &spec.additional}) {
    for (const RecordSpec& rr : *section) {
      builder.name(rr.name).u16(rr.type).u16(rr.rrclass).u32(rr.ttl);
      builder.u16(static_cast<std::uint16_t>(rr.rdata.size())).raw(rr.rdata);
    }
  }
  return builder.bytes();
}

Bytes ipv4Rdata(std::string_view dotted) {
  Bytes out;
  unsigned value = 0;
  for (const char c : dotted) {
    if (c == '.') {
      out.push_back(static_cast<std::uint8_t>(value));
      value = 0;
    } else {
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
  }
  out.push_back(static_cast<std::uint8_t>(value));
  if (out.size() != 4) {
    throw std::invalid_argument("not a dotted quad");
  }
  return out;
}

Bytes buildQuery(std::string_view name, std::uint16_t qtype, std::uint16_t id) {
  QuerySpec spec;
  spec.name = std::string(name);
  spec.qtype = qtype;
  spec.id = id;
  return buildQuery(spec);
}

Bytes hmac(std::string_view digest, const Bytes& key, const Bytes& data) {
  const EVP_MD* md = digest == "sha1"     ? EVP_sha1()
                     : digest == "sha256" ? EVP_sha256()
                     : digest == "sha512" ? EVP_sha512()
                                          : nullptr;
  if (md == nullptr) {
    throw std::invalid_argument("unknown digest");
  }
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  static const std::uint8_t kNoKey = 0;
  HMAC(md, key.empty() ? &kNoKey : key.data(), static_cast<int>(key.size()), data.data(),
       data.size(), out.data(), &length);
  out.resize(length);
  return out;
}

namespace {

Bytes lowerName(std::string_view name) {
  Bytes out = encodeName(name);
  for (std::uint8_t& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<std::uint8_t>(c - 'A' + 'a');
    }
  }
  return out;
}

void put48(Bytes& out, std::uint64_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 32));
  put32(out, static_cast<std::uint32_t>(value & 0xFFFFFFFF));
}

}  // namespace

Bytes tsigMac(const Bytes& message, const TsigSpec& spec) {
  Bytes data;
  if (!spec.prior_mac.empty()) {
    put16(data, static_cast<std::uint16_t>(spec.prior_mac.size()));
    data.insert(data.end(), spec.prior_mac.begin(), spec.prior_mac.end());
  }
  Bytes body = message;
  const std::uint16_t id =
      spec.original_id ? *spec.original_id : static_cast<std::uint16_t>((body[0] << 8) | body[1]);
  body[0] = static_cast<std::uint8_t>(id >> 8);
  body[1] = static_cast<std::uint8_t>(id & 0xFF);
  data.insert(data.end(), body.begin(), body.end());
  if (spec.timers_only) {
    put48(data, spec.time_signed);
    put16(data, spec.fudge);
  } else {
    const Bytes key = lowerName(spec.key_name);
    data.insert(data.end(), key.begin(), key.end());
    put16(data, 255);  // CLASS ANY
    put32(data, 0);    // TTL
    const Bytes algorithm = lowerName(spec.algorithm);
    data.insert(data.end(), algorithm.begin(), algorithm.end());
    put48(data, spec.time_signed);
    put16(data, spec.fudge);
    put16(data, spec.error);
    put16(data, static_cast<std::uint16_t>(spec.other.size()));
    data.insert(data.end(), spec.other.begin(), spec.other.end());
  }
  std::string digest = spec.algorithm.substr(5);  // "hmac-sha256" -> "sha256"
  for (char& c : digest) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hmac(digest, spec.secret, data);
}

Bytes signMessage(const Bytes& message, const TsigSpec& spec) {
  Bytes mac;
  if (spec.mac) {
    mac = *spec.mac;
  } else {
    mac = tsigMac(message, spec);
    if (spec.mac_size != 0) {
      mac.resize(spec.mac_size);
    }
  }
  const std::uint16_t id = spec.original_id
                               ? *spec.original_id
                               : static_cast<std::uint16_t>((message[0] << 8) | message[1]);
  Bytes rdata = encodeName(spec.algorithm);
  put48(rdata, spec.time_signed);
  put16(rdata, spec.fudge);
  put16(rdata, static_cast<std::uint16_t>(mac.size()));
  rdata.insert(rdata.end(), mac.begin(), mac.end());
  put16(rdata, id);
  put16(rdata, spec.error);
  put16(rdata, static_cast<std::uint16_t>(spec.other.size()));
  rdata.insert(rdata.end(), spec.other.begin(), spec.other.end());

  Bytes out = message;
  const Bytes owner = encodeName(spec.key_name);
  out.insert(out.end(), owner.begin(), owner.end());
  put16(out, 250);
  put16(out, 255);
  put32(out, 0);
  put16(out, static_cast<std::uint16_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
  const std::uint16_t arcount = static_cast<std::uint16_t>(((out[10] << 8) | out[11]) + 1);
  out[10] = static_cast<std::uint8_t>(arcount >> 8);
  out[11] = static_cast<std::uint8_t>(arcount & 0xFF);
  return out;
}

std::optional<TsigFields> decodeTsig(const Record& record) {
  if (record.type != 250) {
    return std::nullopt;
  }
  try {
    // The algorithm name is uncompressed, so the RDATA decodes on its own.
    Decoder d(record.rdata);
    TsigFields f;
    f.algorithm = d.name();
    const std::uint64_t high = d.get16();
    f.time_signed = (high << 32) | d.get32();
    f.fudge = d.get16();
    const std::uint16_t mac_size = d.get16();
    for (std::uint16_t i = 0; i < mac_size; ++i) {
      f.mac.push_back(d.at(d.pos() + i));
    }
    d = Decoder(std::span<const std::uint8_t>(record.rdata).subspan(d.pos() + mac_size));
    f.original_id = d.get16();
    f.error = d.get16();
    const std::uint16_t other_size = d.get16();
    for (std::uint16_t i = 0; i < other_size; ++i) {
      f.other.push_back(d.at(d.pos() + i));
    }
    if (d.pos() + other_size != d.size()) {
      return std::nullopt;
    }
    return f;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Bytes withoutLastRecord(std::span<const std::uint8_t> message) {
  const auto parsed = parseResponse(message);
  if (!parsed || parsed->additional.empty()) {
    throw std::invalid_argument("no additional record to strip");
  }
  Bytes out(message.begin(),
            message.begin() + static_cast<std::ptrdiff_t>(parsed->additional.back().offset));
  const std::uint16_t arcount = static_cast<std::uint16_t>(parsed->arcount - 1);
  out[10] = static_cast<std::uint8_t>(arcount >> 8);
  out[11] = static_cast<std::uint8_t>(arcount & 0xFF);
  return out;
}

Bytes soaRecord(std::string_view owner, std::uint32_t ttl, std::string_view mname,
                std::string_view rname, std::uint32_t serial, std::uint32_t refresh,
                std::uint32_t retry, std::uint32_t expire, std::uint32_t minimum) {
  Bytes rdata = encodeName(mname);
  const Bytes mailbox = encodeName(rname);
  rdata.insert(rdata.end(), mailbox.begin(), mailbox.end());
  for (const std::uint32_t field : {serial, refresh, retry, expire, minimum}) {
    put32(rdata, field);
  }
  PacketBuilder builder;
  builder.name(owner).u16(6).u16(1).u32(ttl).u16(static_cast<std::uint16_t>(rdata.size()));
  builder.raw(rdata);
  return builder.bytes();
}

Bytes buildIxfrQuery(std::string_view zone, std::uint32_t serial, std::uint16_t id, bool with_soa) {
  PacketBuilder builder;
  builder.header(id, 0, 1, 0, with_soa ? 1 : 0, 0).question(zone, 251);
  if (with_soa) {
    builder.raw(soaRecord(zone, 0, "ns.client.example", "hostmaster.client.example", serial));
  }
  return builder.bytes();
}

std::optional<Response> parseResponse(std::span<const std::uint8_t> bytes, std::string* error) {
  try {
    Decoder d(bytes);
    Response r;
    r.size = bytes.size();
    r.id = d.get16();
    r.flags = d.get16();
    r.qr = (r.flags & 0x8000) != 0;
    r.opcode = static_cast<std::uint8_t>((r.flags >> 11) & 0x0F);
    r.aa = (r.flags & 0x0400) != 0;
    r.tc = (r.flags & 0x0200) != 0;
    r.rd = (r.flags & 0x0100) != 0;
    r.ra = (r.flags & 0x0080) != 0;
    r.z = (r.flags & 0x0040) != 0;
    r.ad = (r.flags & 0x0020) != 0;
    r.cd = (r.flags & 0x0010) != 0;
    r.rcode = static_cast<std::uint8_t>(r.flags & 0x0F);
    r.qdcount = d.get16();
    r.ancount = d.get16();
    r.nscount = d.get16();
    r.arcount = d.get16();
    if (r.qdcount > 1) {
      throw std::runtime_error("more than one question");
    }
    if (r.qdcount == 1) {
      r.question_name = d.name(&r.question_raw);
      r.qtype = d.get16();
      r.qclass = d.get16();
    }
    for (int i = 0; i < r.ancount; ++i) {
      r.answers.push_back(d.record());
    }
    for (int i = 0; i < r.nscount; ++i) {
      r.authority.push_back(d.record());
    }
    for (int i = 0; i < r.arcount; ++i) {
      Record rec = d.record();
      if (rec.type == 41) {
        if (r.has_opt) {
          throw std::runtime_error("two OPT records");
        }
        if (!rec.name.empty()) {
          throw std::runtime_error("OPT owner is not the root");
        }
        r.has_opt = true;
        r.opt_payload = rec.rrclass;
        r.opt_ext_rcode = static_cast<std::uint8_t>(rec.ttl >> 24);
        r.opt_version = static_cast<std::uint8_t>((rec.ttl >> 16) & 0xFF);
        r.opt_do = (rec.ttl & 0x8000) != 0;
      }
      r.additional.push_back(std::move(rec));
    }
    if (d.pos() != d.size()) {
      throw std::runtime_error("trailing bytes after the last record");
    }
    return r;
  } catch (const std::exception& e) {
    if (error != nullptr) {
      *error = e.what();
    }
    return std::nullopt;
  }
}

}  // namespace fibdns::testutil
