#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "fibdns/common/result.h"
#include "fibdns/dns/wire_reader.h"

namespace fibdns::dns {

inline constexpr std::size_t kMaxWireNameLength = 255;  // RFC 1035 §3.1, with the root byte
inline constexpr std::size_t kMaxCompressionHops = 32;  // far beyond any sane encoder

/// A domain name read from the wire by the one name parser (STYLE C6.3).
///
/// Holds two forms, both in fixed storage (no allocation, so parsing a query costs none):
///  * wire(): the name uncompressed, labels byte for byte as the client sent them (case kept),
///    ending with the root byte. A reply echoes this, which is what 0x20 case randomisation
///    expects.
///  * key(): the lookup key: presentation form, ASCII lower-cased, no trailing dot, the root is
///    "". Bytes that a host name cannot contain are escaped as in RFC 1035 §5.1 ("\." for a dot
///    inside a label, "\\" and "\DDD" for others), so such a name can never collide with a
///    stored host name, nor a one-label "a.b" with the two-label a.b.
class WireName {
 public:
  /// The root name.
  WireName() { wire_[0] = 0; }

  /// Parses a possibly compressed name at the reader's cursor, which may sit anywhere in the
  /// message reader.data(); on success the cursor ends just past the name as written (after the
  /// first compression pointer, if any).
  ///
  /// Rejects (returns false and sets the reader's sticky error): a read past the end; label types
  /// 01 and 10 (RFC 6891 §5 obsoleted extended labels); a name over 255 bytes uncompressed; a
  /// compression pointer that does not point strictly before the start of the labels being read
  /// (so no pointer goes forwards, to itself or into a loop); more than kMaxCompressionHops
  /// pointers. Labels cannot exceed 63 bytes: a length byte with the top bits 00 is at most 63.
  static bool fromWire(WireReader& reader, WireName& out);

  /// The wire form of a name in presentation form, for configuration (zone apexes, SOA and NS
  /// names): "" or "." is the root; anything else must be a valid host name (normalizeHostName),
  /// which is lower-cased. InvalidArgument otherwise. Allocates; not for the query path.
  static Result<WireName> fromHostName(std::string_view text);

  std::span<const std::uint8_t> wire() const { return {wire_.data(), wire_size_}; }
  std::string_view key() const { return {key_.data(), key_size_}; }
  std::size_t labelCount() const { return label_count_; }
  /// Offset within wire() of the length byte of label i (0 = the leftmost label).
  std::size_t labelOffset(std::size_t i) const { return label_offsets_[i]; }
  bool isRoot() const { return label_count_ == 0; }

  /// When this name equals `apex` or lies below it (compared label by label, ignoring ASCII
  /// case), the offset within wire() where the apex's labels start; otherwise nullopt.
  std::optional<std::size_t> suffixOffset(const WireName& apex) const;

 private:
  // Deliberately not zero-filled (a query builds several names): only the first wire_size_,
  // label_count_ and key_size_ entries are ever read.
  std::array<std::uint8_t, kMaxWireNameLength> wire_;
  std::array<std::uint8_t, kMaxWireNameLength / 2> label_offsets_;
  // A wire label byte becomes at most 4 key characters ("\DDD").
  std::array<char, 4 * kMaxWireNameLength> key_;
  std::size_t wire_size_ = 1;  // default: the root, one zero byte
  std::size_t label_count_ = 0;
  std::size_t key_size_ = 0;
};

}  // namespace fibdns::dns
