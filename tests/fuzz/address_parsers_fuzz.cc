// Fuzz target: the parsers of issue 11 over arbitrary bytes: CIDR allow-lists, IP literals,
// listen addresses, the metrics endpoint's request line, the US's as_ip, and the text
// sanitizer. They must never crash or throw; what they accept must round-trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/text.h"
#include "fibdns/http/params.h"
#include "fibdns/metrics/metrics_http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(data, data + size);

  if (auto list = fibdns::AllowList::parse(text)) {
    // The canonical form parses to the same list.
    auto again = fibdns::AllowList::parse(list->toString());
    if (!again || again->toString() != list->toString()) {
      __builtin_trap();
    }
  }
  if (auto address = fibdns::IpAddress::parse(text)) {
    auto again = fibdns::IpAddress::parse(address->toString());
    if (!again || !(*again == *address)) {
      __builtin_trap();
    }
    (void)fibdns::AllowList::loopbackAndPrivate().allows(*address);
  }
  if (auto listen = fibdns::metrics::ListenAddress::parse(text)) {
    auto again = fibdns::metrics::ListenAddress::parse(listen->toString());
    if (!again || again->toString() != listen->toString()) {
      __builtin_trap();
    }
  }
  (void)fibdns::metrics::parseRequestLine(text);
  (void)fibdns::http::parseAsAddress(text);
  const std::string line = fibdns::text::oneLine(text, 64);
  for (const char c : line) {
    if (c < 0x20 || c > 0x7e) {
      __builtin_trap();  // the sanitizer let a non-printable byte through
    }
  }
  return 0;
}
