#include "fibdns/authority/lab_handler.h"

#include <variant>

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

}  // namespace

LabDecision LabHandler::decide(std::string_view request, const RecordCache& zone) {
  LabDecision decision;
  lab::Request parsed = lab::parseRequest(request);
  std::visit(Overloaded{
                 [&](lab::Registration& registration) {
                   decision.registration = std::move(registration.record);
                 },
                 [&](const lab::Query& query) {
                   const dns::ARecord* record = zone.find(query.name);
                   if (log::enabled(log::Level::Debug)) {
                     log::debug("lab", "query name=" + query.name +
                                           (record ? " found" : " not found"));
                   }
                   decision.reply =
                       record != nullptr ? lab::encodeAnswer(*record) : lab::encodeNotFound();
                 },
                 [&](const lab::Malformed& malformed) {
                   decision.reply = lab::encodeBadRequest(malformed.reason);
                 },
                 [&](const lab::RejectedRegistration& rejected) {
                   decision.reply = lab::encodeRegistrationFailed(rejected.reason);
                 },
             },
             parsed);
  return decision;
}

std::string LabHandler::registrationReply(const Status& committed) {
  if (committed.isOk()) {
    return lab::encodeRegistrationSucceeded();
  }
  if (committed.code() == StatusCode::DeadlineExceeded) {
    return lab::encodeRegistrationFailed("database busy");
  }
  return lab::encodeRegistrationFailed("store unavailable: " + committed.message());
}

std::string LabHandler::busyReply() { return lab::encodeRegistrationFailed("busy, try again"); }

}  // namespace fibdns::authority
