// Fuzz target: the zone-transfer query parser, the plan and the message stream, and the NOTIFY
// reply classifier, over arbitrary bytes. Every message a stream produces must be a well-formed
// reply by the independent test decoder, carry the query's ID, fit its limit, and the stream
// must end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/transfer/notify.h"
#include "fibdns/transfer/transfer_query.h"
#include "fibdns/transfer/transfer_stream.h"
#include "support/dns_packets.h"

namespace {

using namespace fibdns::transfer;  // NOLINT(google-build-using-namespace): a fuzz target

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

ZoneContent zone(std::uint32_t serial) {
  static const std::vector<std::string> kNames{"a.fib.test", "b.fib.test", "www.sub.fib.test"};
  ZoneContent content;
  content.apex = "fib.test";
  content.apex_records.serial = serial;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    content.records.push_back(ARecordRef{
        kNames[i], fibdns::dns::Ipv4Address{{10, 0, 0, static_cast<std::uint8_t>(i)}}, 60});
  }
  return content;
}

void drain(const TransferQuery& query, const TransferPlan& plan, std::vector<ChangeSet> chain,
           std::size_t limit) {
  MessageLimits limits;
  limits.max_message_size = limit;
  auto stream = TransferStream::create(query, plan, zone(5), std::move(chain), limits);
  if (!stream.isOk()) {
    return;  // e.g. a question too long for a 512-byte message
  }
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 64; ++i) {
    auto more = stream->next(out);
    if (!more.isOk() || !*more) {
      check(stream->finished());
      return;
    }
    check(out.size() <= limit);
    const auto decoded = fibdns::testutil::parseResponse(out);
    check(decoded.has_value());
    check(decoded->qr && decoded->id == query.header.id);
  }
  check(false);  // a handful of records can never need 64 messages
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto query = parseTransferQuery(bytes);
  if (query) {
    for (const Transport transport : {Transport::Udp, Transport::Tcp}) {
      for (const std::optional<std::uint32_t> serial :
           {std::optional<std::uint32_t>{}, std::optional<std::uint32_t>{5}}) {
        TransferPlan plan = planTransfer(*query, transport, serial);
        std::vector<ChangeSet> chain;
        if (plan.needsJournal()) {
          chain.push_back(ChangeSet{*query->client_serial, 5, {}, {{"a.fib.test", {}, 1}}});
        }
        for (const std::size_t limit : {std::size_t{512}, std::size_t{65535}}) {
          drain(*query, plan, chain, limit);
        }
      }
    }
  }
  const std::uint16_t id = size >= 2 ? static_cast<std::uint16_t>((data[0] << 8) | data[1]) : 0;
  (void)classifyNotifyReply(bytes, id, "fib.test");
  return 0;
}
