#include "fibdns/transfer/serial.h"

namespace fibdns::transfer {

SerialOrder compareSerials(std::uint32_t a, std::uint32_t b) {
  if (a == b) {
    return SerialOrder::Equal;
  }
  // RFC 1982 §3.2: a < b when (a < b and b - a < 2^31) or (a > b and a - b > 2^31). Unsigned
  // subtraction wraps modulo 2^32, which folds both cases into one distance.
  const std::uint32_t forward = b - a;  // how far b is ahead of a, modulo 2^32
  if (forward == 0x80000000U) {
    return SerialOrder::Undefined;
  }
  return forward < 0x80000000U ? SerialOrder::Less : SerialOrder::Greater;
}

std::uint32_t addToSerial(std::uint32_t serial, std::uint32_t increment) {
  if (increment > kMaxSerialIncrement) {
    return serial;
  }
  return serial + increment;  // modulo 2^32 by unsigned arithmetic
}

std::uint32_t nextSerial(std::uint32_t serial) {
  const std::uint32_t next = serial + 1U;
  return next == 0 ? 1U : next;
}

}  // namespace fibdns::transfer
