#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// The AS's in-memory copy of every record, so that answering a query never touches the disk.
/// The store (RecordRepository) is the truth: the cache is filled from it at start-up and
/// updated only after a change has been committed there.
///
/// Names are normalised (lowercase, no trailing dot; the root is ""). Not thread-safe: the AS
/// owns it from its single serving thread.
class RecordCache {
 public:
  /// Replaces the whole content (start-up load).
  void replaceAll(const std::vector<dns::ARecord>& records);
  /// Inserts or replaces one record.
  void put(const dns::ARecord& record);
  /// Removes a name's record; false when there was none.
  bool erase(std::string_view name);

  /// The record of a name, or nullptr. The pointer is valid until the next change.
  const dns::ARecord* find(std::string_view name) const;
  /// True when some record's name is strictly below `name` (e.g. "b.com" for "a.b.com"): such a
  /// name exists in DNS as an empty non-terminal (RFC 8020: NODATA, not NXDOMAIN).
  bool hasNamesBelow(std::string_view name) const;

  std::size_t size() const { return records_.size(); }

  /// The store's change serial, served as the SOA serial.
  std::uint32_t serial() const { return serial_; }
  void setSerial(std::uint32_t serial) { serial_ = serial; }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  void addAncestors(std::string_view name);
  void removeAncestors(std::string_view name);

  std::unordered_map<std::string, dns::ARecord, StringHash, std::equal_to<>> records_;
  // Every proper ancestor of a stored name, with how many stored names are below it.
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> ancestors_;
  std::uint32_t serial_ = 0;
};

}  // namespace fibdns::authority
