#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/authority/record_cache.h"
#include "fibdns/authority/record_repository.h"
#include "fibdns/dns/lab_codec.h"

namespace fibdns::authority {

/// Answers the lab text protocol: registrations go to the store, queries to the in-memory cache.
/// Pure apart from its two collaborators: no sockets, no clock.
///
/// Durability: a registration's reply is produced only after the store committed it; the cache
/// is updated only then, so a query never sees a record that is not durable.
class LabHandler {
 public:
  /// Both collaborators must outlive the handler.
  LabHandler(RecordRepository& repository, RecordCache& cache);

  /// Answers one request (a batch of one).
  std::string handle(std::string_view request);

  /// Answers a batch of requests that arrived together: every valid registration in it is
  /// committed in ONE transaction (group commit), then every request is answered in order, so a
  /// query sees registrations that arrived before it in the batch. replies.size() must equal
  /// requests.size(). When the commit fails, every registration of the batch is answered
  /// "Registration Failed!" with the store's reason; queries are still answered.
  void handleBatch(std::span<const std::string_view> requests, std::span<std::string> replies);

 private:
  RecordRepository& repository_;
  RecordCache& cache_;
  // Scratch space reused across batches (the query path allocates only its reply).
  std::vector<dns::lab::Request> parsed_;
  std::vector<dns::ARecord> registrations_;
};

}  // namespace fibdns::authority
