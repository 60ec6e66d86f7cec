#include "fibdns/dns/wire_name.h"

#include <string>

#include "dns/ascii.h"
#include "fibdns/dns/name.h"

namespace fibdns::dns {
namespace {

constexpr std::uint8_t kPointerMask = 0xC0;

// Characters that may appear unescaped in a key: what host names and the odd underscore use.
bool isPlainKeyChar(std::uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool WireName::fromWire(WireReader& reader, WireName& out) {
  out.wire_size_ = 0;
  out.label_count_ = 0;
  out.key_size_ = 0;

  // RFC 1035 §4.1.4: a pointer may only refer to an earlier occurrence. We demand that it point
  // strictly before the start of the run of labels that contains it; each hop therefore moves
  // backwards and the walk ends even without the hop cap.
  std::size_t run_start = reader.offset();
  std::optional<std::size_t> resume;
  std::size_t hops = 0;
  for (;;) {
    const std::uint8_t length = reader.readU8();
    if (!reader.ok()) {
      return false;
    }
    if ((length & kPointerMask) == kPointerMask) {
      const std::uint8_t low = reader.readU8();
      const std::size_t target = (static_cast<std::size_t>(length & 0x3F) << 8) | low;
      if (!reader.ok() || target >= run_start || ++hops > kMaxCompressionHops) {
        reader.fail();
        return false;
      }
      if (!resume) {
        resume = reader.offset();
      }
      reader.seek(target);
      run_start = target;
      continue;
    }
    if ((length & kPointerMask) != 0) {
      reader.fail();  // 01 / 10 label types: not in use
      return false;
    }
    if (length == 0) {
      // wire_size_ <= 254 here: each label below left room for the root byte.
      out.wire_[out.wire_size_++] = 0;
      break;
    }
    // The label, its length byte and the final root byte must fit in 255.
    if (static_cast<std::size_t>(length) + 2 > kMaxWireNameLength - out.wire_size_) {
      reader.fail();
      return false;
    }
    const auto label = reader.readBytes(length);
    if (!reader.ok()) {
      return false;
    }
    out.label_offsets_[out.label_count_++] = static_cast<std::uint8_t>(out.wire_size_);
    out.wire_[out.wire_size_++] = length;
    if (out.label_count_ > 1) {
      out.key_[out.key_size_++] = '.';
    }
    for (const std::uint8_t raw : label) {
      out.wire_[out.wire_size_++] = raw;
      const std::uint8_t c = toLowerAscii(raw);
      if (isPlainKeyChar(c)) {
        out.key_[out.key_size_++] = static_cast<char>(c);
      } else if (c == '.' || c == '\\' || (c > 0x20 && c < 0x7F)) {
        // Printable but special in a key: the separator, the escape, and punctuation that no
        // host name contains. Escaping them all keeps keys unambiguous.
        out.key_[out.key_size_++] = '\\';
        out.key_[out.key_size_++] = static_cast<char>(c);
      } else {
        out.key_[out.key_size_++] = '\\';
        out.key_[out.key_size_++] = static_cast<char>('0' + c / 100);
        out.key_[out.key_size_++] = static_cast<char>('0' + (c / 10) % 10);
        out.key_[out.key_size_++] = static_cast<char>('0' + c % 10);
      }
    }
  }
  if (resume) {
    reader.seek(*resume);
  }
  return reader.ok();
}

Result<WireName> WireName::fromHostName(std::string_view text) {
  WireName name;
  if (text.empty() || text == ".") {
    return name;
  }
  auto normalized = normalizeHostName(text);
  if (!normalized) {
    return normalized.status();
  }
  const std::string& host = normalized.value();
  name.wire_size_ = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string::npos) {
      dot = host.size();
    }
    const std::size_t length = dot - start;  // 1..63, checked by normalizeHostName
    name.label_offsets_[name.label_count_++] = static_cast<std::uint8_t>(name.wire_size_);
    name.wire_[name.wire_size_++] = static_cast<std::uint8_t>(length);
    for (std::size_t i = start; i < dot; ++i) {
      name.wire_[name.wire_size_++] = static_cast<std::uint8_t>(host[i]);
    }
    start = dot + 1;
  }
  name.wire_[name.wire_size_++] = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    name.key_[i] = host[i];
  }
  name.key_size_ = host.size();
  return name;
}

std::optional<std::size_t> WireName::suffixOffset(const WireName& apex) const {
  if (apex.label_count_ > label_count_) {
    return std::nullopt;
  }
  const std::size_t offset =
      apex.label_count_ == 0 ? wire_size_ - 1 : label_offsets_[label_count_ - apex.label_count_];
  if (wire_size_ - offset != apex.wire_size_) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < apex.wire_size_; ++i) {
    if (toLowerAscii(wire_[offset + i]) != toLowerAscii(apex.wire_[i])) {
      return std::nullopt;
    }
  }
  return offset;
}

}  // namespace fibdns::dns
