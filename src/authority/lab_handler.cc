#include "fibdns/authority/lab_handler.h"

#include <cassert>
#include <variant>
#include <vector>

#include "fibdns/common/logging.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::authority {
namespace lab = dns::lab;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Needed until clang 17 deduces aggregate templates by itself (the fuzz build uses clang 14).
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string describe(const dns::ARecord& record) {
  return "name=" + record.name + " value=" + record.address.toString() +
         " ttl=" + std::to_string(record.ttl);
}

}  // namespace

LabHandler::LabHandler(RecordRepository& repository, RecordCache& cache)
    : repository_(repository), cache_(cache) {}

std::string LabHandler::handle(std::string_view request) {
  std::string reply;
  handleBatch(std::span<const std::string_view>(&request, 1), std::span<std::string>(&reply, 1));
  return reply;
}

void LabHandler::handleBatch(std::span<const std::string_view> requests,
                             std::span<std::string> replies) {
  assert(requests.size() == replies.size() && "one reply slot per request");
  parsed_.clear();
  registrations_.clear();
  for (std::string_view request : requests) {
    parsed_.push_back(lab::parseRequest(request));
    if (const auto* registration = std::get_if<lab::Registration>(&parsed_.back())) {
      registrations_.push_back(registration->record);
    }
  }

  // Commit first: no reply of this batch leaves before its registrations are durable.
  Status committed = Status::ok();
  if (registrations_.size() == 1) {
    committed = repository_.upsert(registrations_.front());
  } else if (!registrations_.empty()) {
    committed = repository_.upsertAll(registrations_);
  }
  if (!registrations_.empty()) {
    if (committed.isOk()) {
      for (const dns::ARecord& record : registrations_) {
        cache_.put(record);
        log::info("lab", "registered " + describe(record));
      }
      if (auto serial = repository_.changeSerial(); serial) {
        cache_.setSerial(*serial);
      }
    } else {
      log::warn("lab", "registration of " + std::to_string(registrations_.size()) +
                           " record(s) failed: " + committed.message());
    }
  }

  for (std::size_t i = 0; i < parsed_.size(); ++i) {
    replies[i] = std::visit(
        Overloaded{
            [&](const lab::Registration&) {
              return committed.isOk() ? lab::encodeRegistrationSucceeded()
                                      : lab::encodeRegistrationFailed("store unavailable: " +
                                                                      committed.message());
            },
            [&](const lab::Query& query) {
              const dns::ARecord* record = cache_.find(query.name);
              if (log::enabled(log::Level::Debug)) {
                log::debug("lab", "query name=" + query.name + (record ? " found" : " not found"));
              }
              return record != nullptr ? lab::encodeAnswer(*record) : lab::encodeNotFound();
            },
            [](const lab::Malformed& malformed) { return lab::encodeBadRequest(malformed.reason); },
            [](const lab::RejectedRegistration& rejected) {
              return lab::encodeRegistrationFailed(rejected.reason);
            },
        },
        parsed_[i]);
  }
}

}  // namespace fibdns::authority
