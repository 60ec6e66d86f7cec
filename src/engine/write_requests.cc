#include "fibdns/engine/write_requests.h"

#include "fibdns/authority/lab_handler.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::engine {
namespace {

// How many names `changes` would add to `zone`.
std::size_t namesAdded(const authority::RecordCache& zone,
                       const std::vector<authority::RecordChange>& changes) {
  std::size_t added = 0;
  for (const authority::RecordChange& change : changes) {
    if (change.kind == authority::RecordChange::Kind::Upsert &&
        zone.find(change.record.name) == nullptr) {
      ++added;
    }
  }
  return added;
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
    if (zone.size() + namesAdded(zone, changes) > max_records) {
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
    if (planned.isOk() && zone.size() + namesAdded(zone, changes) > max_records) {
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
        outcome.isOk() ? update::UpdateRcode::NoError
                       : (outcome.code() == StatusCode::FailedPrecondition
                              ? *rcode
                              : update::UpdateRcode::ServFail);
    std::vector<std::uint8_t> reply = dns.updateReply(*update, answer, unixSeconds());
    if (!reply.empty()) {
      send(std::move(reply));
    }
  };
  return request;
}

}  // namespace fibdns::engine
