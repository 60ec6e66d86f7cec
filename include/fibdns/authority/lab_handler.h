#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fibdns/authority/record_cache.h"
#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// What to do with one lab request: answer `reply` now, or, for a valid registration, commit
/// `registration` first and answer with LabHandler::registrationReply() once the commit is done.
struct LabDecision {
  std::optional<dns::ARecord> registration;  // normalised; set: `reply` is empty
  std::string reply;
};

/// The lab text protocol's "what do we answer": pure, no store, no sockets, no clock. Queries
/// are answered from the zone data given; registrations are handed back to the caller, which
/// owns durability (the AS engine's writer commits them, then answers).
class LabHandler {
 public:
  /// Decides what to do with one request (any bytes: malformed ones get BAD REQUEST!).
  static LabDecision decide(std::string_view request, const RecordCache& zone);

  /// The reply to a registration once the store has answered:
  ///   Ok                -> "Registration Succeeded!"
  ///   DeadlineExceeded  -> "Registration Failed!\ndatabase busy" (another process held the
  ///                        database's lock until the registration's deadline)
  ///   anything else     -> "Registration Failed!\nstore unavailable: <reason>"
  static std::string registrationReply(const Status& committed);

  /// The reply when the writer's queue is full: "Registration Failed!\nbusy, try again".
  static std::string busyReply();
};

}  // namespace fibdns::authority
