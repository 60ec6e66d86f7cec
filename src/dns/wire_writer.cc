#include "fibdns/dns/wire_writer.h"

#include <cstring>

#include "dns/ascii.h"

namespace fibdns::dns {
namespace {

constexpr std::uint8_t kPointerMask = 0xC0;
constexpr std::size_t kMaxMatchHops = 32;

}  // namespace

void WireWriter::writeBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || !reserve(bytes.size())) {
    return;
  }
  std::memcpy(buffer_.data() + offset_, bytes.data(), bytes.size());
  offset_ += bytes.size();
}

void WireWriter::patchU16(std::size_t offset, std::uint16_t value) {
  if (offset > offset_ || offset_ - offset < 2) {
    ok_ = false;
    return;
  }
  buffer_[offset] = static_cast<std::uint8_t>(value >> 8);
  buffer_[offset + 1] = static_cast<std::uint8_t>(value & 0xFF);
}

void WireWriter::rollback(std::size_t offset) {
  if (offset > offset_) {
    return;
  }
  offset_ = offset;
  ok_ = true;
  while (target_count_ > 0 && targets_[target_count_ - 1] >= offset) {
    --target_count_;
  }
}

void WireWriter::recordTarget(std::size_t offset) {
  if (target_count_ < kMaxTargets && offset <= kMaxPointerTarget) {
    targets_[target_count_++] = static_cast<std::uint16_t>(offset);
  }
}

// True when the name written at `position` (following our own pointers) equals `suffix`.
bool WireWriter::nameAtEquals(std::size_t position, std::span<const std::uint8_t> suffix) const {
  std::size_t i = 0;
  std::size_t hops = 0;
  while (position < offset_ && i < suffix.size()) {
    const std::uint8_t length = buffer_[position];
    if ((length & kPointerMask) == kPointerMask) {
      if (offset_ - position < 2 || ++hops > kMaxMatchHops) {
        return false;
      }
      position = (static_cast<std::size_t>(length & 0x3F) << 8) | buffer_[position + 1];
      continue;
    }
    if (length != suffix[i]) {
      return false;
    }
    if (length == 0) {
      return true;
    }
    if (length >= offset_ - position || length >= suffix.size() - i) {
      return false;
    }
    for (std::size_t k = 1; k <= length; ++k) {
      if (toLowerAscii(buffer_[position + k]) != toLowerAscii(suffix[i + k])) {
        return false;
      }
    }
    position += length + 1U;
    i += length + 1U;
  }
  return false;
}

void WireWriter::writeName(std::span<const std::uint8_t> wire_name, NameCompression mode) {
  if (!ok_) {
    return;
  }
  // Find the longest suffix (earliest label) already written, if compressing.
  std::size_t prefix_end = wire_name.size();  // bytes written literally
  std::size_t pointer = 0;
  bool use_pointer = false;
  if (mode == NameCompression::Compress && target_count_ > 0) {
    std::size_t label = 0;
    while (label < wire_name.size() && wire_name[label] != 0 && !use_pointer) {
      const auto suffix = wire_name.subspan(label);
      for (std::size_t t = 0; t < target_count_; ++t) {
        if (nameAtEquals(targets_[t], suffix)) {
          prefix_end = label;
          pointer = targets_[t];
          use_pointer = true;
          break;
        }
      }
      label += wire_name[label] + 1U;
    }
  }

  const std::size_t start = offset_;
  if (!reserve(prefix_end + (use_pointer ? 2 : 0))) {
    return;
  }
  writeBytes(wire_name.first(prefix_end));
  if (use_pointer) {
    writeU16(static_cast<std::uint16_t>(0xC000 | pointer));
  }
  if (mode == NameCompression::None) {
    return;
  }
  // Record each literal label (not the root byte) as a target for later names.
  std::size_t label = 0;
  while (label < prefix_end && wire_name[label] != 0) {
    recordTarget(start + label);
    label += wire_name[label] + 1U;
  }
}

}  // namespace fibdns::dns
