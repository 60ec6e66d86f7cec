// Fuzz target: the lab text protocol's parsers (request and reply) over arbitrary bytes. They
// must never crash or throw, and must classify every input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "fibdns/dns/lab_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace lab = fibdns::dns::lab;
  const std::span<const std::uint8_t> bytes(data, size);
  const std::string text(data, data + size);

  (void)lab::looksLikeText(bytes);
  const lab::Request from_bytes = lab::parseRequest(bytes);
  const lab::Request from_text = lab::parseRequest(text);
  if (from_bytes.index() != from_text.index()) {
    __builtin_trap();  // the two overloads must agree
  }
  const lab::Reply reply = lab::parseReply(text);
  (void)reply;
  return 0;
}
