#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace fibdns::dns {

/// How WireWriter::writeName treats a name.
enum class NameCompression {
  None,      // write every label; later names do not point into it
  Record,    // write every label; later names may point into it (e.g. the echoed question)
  Compress,  // point at an earlier recorded name where a suffix matches, and record the rest
};

/// The mirror image of WireReader: writes big-endian fields into a caller's fixed buffer.
///
/// The "no space" error is sticky: a write that does not fit writes nothing, ok() turns false,
/// and every later write is ignored, so a reply is checked once at the end. rollback() is the
/// only way back (used to fall back to a truncated reply). Never allocates.
class WireWriter {
 public:
  explicit WireWriter(std::span<std::uint8_t> buffer) : buffer_(buffer) {}
  /// Goes on after `written` bytes already in `buffer` (e.g. to sign a finished reply); names
  /// written from here on compress against nothing before.
  WireWriter(std::span<std::uint8_t> buffer, std::size_t written)
      : buffer_(buffer), offset_(written <= buffer.size() ? written : buffer.size()) {}

  void writeU8(std::uint8_t value) {
    if (reserve(1)) {
      buffer_[offset_++] = value;
    }
  }
  void writeU16(std::uint16_t value) {
    if (reserve(2)) {
      buffer_[offset_++] = static_cast<std::uint8_t>(value >> 8);
      buffer_[offset_++] = static_cast<std::uint8_t>(value & 0xFF);
    }
  }
  void writeU32(std::uint32_t value) {
    if (reserve(4)) {
      buffer_[offset_++] = static_cast<std::uint8_t>(value >> 24);
      buffer_[offset_++] = static_cast<std::uint8_t>((value >> 16) & 0xFF);
      buffer_[offset_++] = static_cast<std::uint8_t>((value >> 8) & 0xFF);
      buffer_[offset_++] = static_cast<std::uint8_t>(value & 0xFF);
    }
  }
  void writeBytes(std::span<const std::uint8_t> bytes);

  /// Writes an uncompressed wire-format name (as WireName::wire() gives it; trusted input),
  /// compressing against earlier names as `mode` says (RFC 1035 §4.1.4). Suffixes are matched
  /// ignoring ASCII case, so a compressed name may take the case of the name it points into.
  void writeName(std::span<const std::uint8_t> wire_name,
                 NameCompression mode = NameCompression::Compress);

  /// Overwrites two bytes already written (counts, RDLENGTH); sets the error when out of range.
  void patchU16(std::size_t offset, std::uint16_t value);

  /// Drops everything from `offset` on, forgets compression targets there and clears the error.
  void rollback(std::size_t offset);

  bool ok() const { return ok_; }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return buffer_.size() - offset_; }
  std::span<const std::uint8_t> written() const { return buffer_.first(offset_); }

 private:
  static constexpr std::size_t kMaxTargets = 64;
  static constexpr std::size_t kMaxPointerTarget = 0x3FFF;

  bool reserve(std::size_t n) {
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return false;
    }
    return true;
  }
  void recordTarget(std::size_t offset);
  bool nameAtEquals(std::size_t position, std::span<const std::uint8_t> suffix) const;

  std::span<std::uint8_t> buffer_;
  std::size_t offset_ = 0;
  bool ok_ = true;
  // Offsets of labels already written in full, which later names may point to.
  std::array<std::uint16_t, kMaxTargets> targets_{};
  std::size_t target_count_ = 0;
};

}  // namespace fibdns::dns
