#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// Where the AS keeps its Type A records. The seam that unit tests mock.
///
/// Contract (every implementation):
///  * Names passed in and returned are normalised (lowercase, no trailing dot); callers normalise.
///  * Not found is a value: find() returns an empty optional, remove() returns false.
///  * A store failure is an error value (Unavailable, with the reason); nothing throws.
///  * upsert() returns Ok only once the record is durable: after a crash it is still there.
///  * A name has at most one A record: upsert replaces the address and TTL (latest wins).
///  * Not thread-safe unless an implementation says so.
class RecordRepository {
 public:
  virtual ~RecordRepository() = default;

  /// Inserts or replaces the record for record.name. Ok only after the change is committed.
  virtual Status upsert(const dns::ARecord& record) = 0;

  /// Inserts or replaces all records in one transaction: all are committed, or none.
  virtual Status upsertAll(const std::vector<dns::ARecord>& records) = 0;

  /// The record of this name and type, or an empty optional when there is none.
  virtual Result<std::optional<dns::ARecord>> find(std::string_view name,
                                                   dns::RecordType type) const = 0;

  /// Every record, ordered by name.
  virtual Result<std::vector<dns::ARecord>> list() const = 0;

  /// Removes the record of this name and type; true when there was one.
  virtual Result<bool> remove(std::string_view name, dns::RecordType type) = 0;

  /// A counter that rises by at least one with every committed change to the records (upsert,
  /// upsertAll, a remove that removed something) and survives restarts. DNS serves it as the
  /// zone's SOA serial (RFC 1982 arithmetic is the reader's concern).
  virtual Result<std::uint32_t> changeSerial() const = 0;
};

using RecordRepositoryPtr = std::unique_ptr<RecordRepository>;

}  // namespace fibdns::authority
