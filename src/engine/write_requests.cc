#include "fibdns/engine/write_requests.h"

#include "fibdns/authority/lab_handler.h"
#include "fibdns/dns/lab_codec.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace fibdns::engine {
namespace {

// How many names `changes` add to `zone`, net: an UPDATE may delete names as well as add them,
// and only the names the store holds afterwards count against --max-records. Negative when it
// shrinks. A name's last change decides whether it is there afterwards.
std::int64_t netNamesAdded(const authority::RecordCache& zone,
                           const std::vector<authority::RecordChange>& changes) {
  if (changes.size() == 1) {  // every lab registration: no map to build
    const authority::RecordChange& change = changes.front();
    const bool present_before = zone.find(change.record.name) != nullptr;
    const bool present_after = change.kind == authority::RecordChange::Kind::Upsert;
    return static_cast<std::int64_t>(present_after) - static_cast<std::int64_t>(present_before);
  }
  std::unordered_map<std::string_view, bool> present_after;
  for (const authority::RecordChange& change : changes) {
    present_after[change.record.name] = change.kind == authority::RecordChange::Kind::Upsert;
  }
  std::int64_t net = 0;
  for (const auto& [name, present] : present_after) {
    const bool present_before = zone.find(name) != nullptr;
    net += static_cast<std::int64_t>(present) - static_cast<std::int64_t>(present_before);
  }
  return net;
}

// --max-records: refuse what grows the store beyond the limit. A change that does not grow it
// (a replacement, or a swap of one name for another) passes even when the store is already at
// or over the limit (a limit lowered at restart).
bool exceedsLimit(const authority::RecordCache& zone,
                  const std::vector<authority::RecordChange>& changes, std::size_t max_records) {
  const std::int64_t net = netNamesAdded(zone, changes);
  return net > 0 && zone.size() + static_cast<std::size_t>(net) > max_records;
}

}  // namespace

std::uint64_t unixSeconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

WriteRequest makeRegistrationRequest(dns::ARecord record, SteadyClock::time_point deadline,
                                     std::size_t max_records,
                                     std::function<void(const std::string& reply)> send,
                                     metrics::AuthoritativeServerMetrics* metrics) {
  WriteRequest request;
  request.deadline = deadline;
  request.plan = [record = std::move(record), max_records](
                     const authority::RecordCache& zone,
                     std::vector<authority::RecordChange>& changes) -> Status {
    changes.push_back(authority::RecordChange::upsert(record));
    if (exceedsLimit(zone, changes, max_records)) {
      changes.clear();
      return failedPrecondition("record limit reached");
    }
    return Status::ok();
  };
  request.done = [send = std::move(send), metrics](const Status& outcome,
                                                   std::uint32_t /*serial*/) {
    if (metrics != nullptr) {
      metrics
          ->registration(outcome.isOk() ? metrics::RegistrationOutcome::Succeeded
                                        : metrics::RegistrationOutcome::Failed)
          .Increment();
    }
    send(outcome.code() == StatusCode::FailedPrecondition
             ? dns::lab::encodeRegistrationFailed(outcome.message())
             : authority::LabHandler::registrationReply(outcome));
  };
  return request;
}

WriteRequest makeUpdateRequest(const authority::DnsRequestHandler& dns,
                               std::shared_ptr<authority::PendingUpdate> update,
                               SteadyClock::time_point deadline, std::size_t max_records,
                               std::function<void(std::vector<std::uint8_t> reply)> send) {
  WriteRequest request;
  request.deadline = deadline;
  request.own_serial = true;  // RFC 2136 §3.6: the serial rises once per UPDATE message
  auto rcode = std::make_shared<update::UpdateRcode>(update::UpdateRcode::ServFail);
  request.plan = [&dns, update, rcode, max_records](
                     const authority::RecordCache& zone,
                     std::vector<authority::RecordChange>& changes) -> Status {
    Status planned = dns.plan(*update, zone, changes, *rcode);
    if (planned.isOk() && exceedsLimit(zone, changes, max_records)) {
      *rcode = update::UpdateRcode::Refused;
      changes.clear();
      return failedPrecondition("record limit reached");
    }
    return planned;
  };
  request.done = [&dns, update, rcode, send = std::move(send)](const Status& outcome,
                                                               std::uint32_t /*serial*/) {
    // A refused plan carries its RCODE; any other failure is the commit's: SERVFAIL.
    const update::UpdateRcode answer =
        outcome.isOk()
            ? update::UpdateRcode::NoError
            : (outcome.code() == StatusCode::FailedPrecondition ? *rcode
                                                                : update::UpdateRcode::ServFail);
    std::vector<std::uint8_t> reply = dns.updateReply(*update, answer, unixSeconds());
    if (!reply.empty()) {
      send(std::move(reply));
    }
  };
  return request;
}

}  // namespace fibdns::engine
