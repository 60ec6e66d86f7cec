#include "fibdns/dns/wire_reader.h"

namespace fibdns::dns {

std::uint32_t WireReader::readU32() {
  const std::uint32_t high = readU16();
  const std::uint32_t low = readU16();
  return ok_ ? (high << 16) | low : 0;
}

std::span<const std::uint8_t> WireReader::readBytes(std::size_t n) {
  if (!ok_ || n > remaining()) {
    fail();
    return {};
  }
  const auto bytes = data_.subspan(offset_, n);
  offset_ += n;
  return bytes;
}

void WireReader::skip(std::size_t n) {
  if (!ok_ || n > remaining()) {
    fail();
    return;
  }
  offset_ += n;
}

void WireReader::seek(std::size_t offset) {
  if (!ok_ || offset > data_.size()) {
    fail();
    return;
  }
  offset_ = offset;
}

}  // namespace fibdns::dns
