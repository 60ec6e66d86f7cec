#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fibdns::dns {

/// The one cursor over untrusted DNS bytes (STYLE C6.1). Reads are bounds-checked and big-endian.
///
/// The error is sticky: after the first read past the end, ok() is false for good, every read
/// returns 0 (or an empty span) and the cursor no longer moves. Read a whole header or question,
/// then check ok() once. Length checks subtract from remaining(); nothing adds to an offset.
class WireReader {
 public:
  explicit WireReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::uint8_t readU8() {
    if (!ok_ || remaining() < 1) {
      fail();
      return 0;
    }
    return data_[offset_++];
  }

  std::uint16_t readU16() {
    if (!ok_ || remaining() < 2) {
      fail();
      return 0;
    }
    const auto value = static_cast<std::uint16_t>((data_[offset_] << 8) | data_[offset_ + 1]);
    offset_ += 2;
    return value;
  }

  std::uint32_t readU32();

  /// The next n bytes, or an empty span (and the error set) when fewer remain.
  std::span<const std::uint8_t> readBytes(std::size_t n);

  /// Moves past n bytes, or sets the error when fewer remain.
  void skip(std::size_t n);

  /// Moves the cursor to an absolute offset within the data (used by the name parser to follow
  /// compression pointers); sets the error when the offset is past the end.
  void seek(std::size_t offset);

  /// Marks the data as malformed (e.g. a field has an invalid value); sticky like an overrun.
  void fail() { ok_ = false; }

  bool ok() const { return ok_; }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }
  /// Every byte the reader covers, from offset 0.
  std::span<const std::uint8_t> data() const { return data_; }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace fibdns::dns
