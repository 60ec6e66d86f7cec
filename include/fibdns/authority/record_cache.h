#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/persistent_hash_set.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::authority {

/// The AS's in-memory copy of every record, so that answering a query never touches the disk.
/// The store (RecordRepository) is the truth: the cache is filled from it at start-up and
/// updated only after a change has been committed there.
///
/// Names are normalised (lowercase, no trailing dot; the root is "").
///
/// Copy-on-write, so that publishing a new version to the query threads costs a few
/// microseconds however many names there are: the content lives in PersistentHashSets, whose
/// copies share every node until one of them changes it. share() returns such a copy.
/// Consequently an instance is not thread-safe, but a copy obtained from share() may be read by
/// any number of threads while the original keeps changing, provided the copies are made,
/// changed and destroyed on one thread (the writer/reader split of the AS engine:
/// engine::SnapshotPublisher, which frees old snapshots on the writer's thread).
class RecordCache {
 public:
  RecordCache() = default;
  RecordCache(RecordCache&&) noexcept = default;
  RecordCache& operator=(RecordCache&&) noexcept = default;
  // Copies go through share(), which says what they cost and who may read them.
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  /// A copy sharing everything with this one (two pointer copies). Either of them clones what
  /// it next changes. Not const, although it changes nothing: only the owner's thread may make
  /// copies, and a reader holds a const RecordCache.
  RecordCache share();

  /// Replaces the whole content (start-up load).
  void replaceAll(const std::vector<dns::ARecord>& records);
  /// Inserts or replaces one record.
  void put(const dns::ARecord& record);
  /// Removes a name's record; false when there was none.
  bool erase(std::string_view name);

  /// The record of a name, or nullptr. The pointer is valid until the next change.
  const dns::ARecord* find(std::string_view name) const { return records_.find(name); }
  /// True when some record's name is strictly below `name` (e.g. "b.com" for "a.b.com"): such a
  /// name exists in DNS as an empty non-terminal (RFC 8020: NODATA, not NXDOMAIN).
  bool hasNamesBelow(std::string_view name) const { return ancestors_.find(name) != nullptr; }
  /// Calls visit(record) for every record, in no particular order.
  void forEach(const std::function<void(const dns::ARecord&)>& visit) const {
    records_.forEach(visit);
  }

  std::size_t size() const { return records_.size(); }

  /// The store's change serial, served as the SOA serial.
  std::uint32_t serial() const { return serial_; }
  void setSerial(std::uint32_t serial) { serial_ = serial; }

 private:
  struct NameOfRecord {
    std::string_view operator()(const dns::ARecord& record) const { return record.name; }
  };
  // A proper ancestor of stored names, with how many stored names are below it.
  struct Ancestor {
    std::string name;
    std::uint32_t names_below = 0;
  };
  struct NameOfAncestor {
    std::string_view operator()(const Ancestor& ancestor) const { return ancestor.name; }
  };

  void addAncestors(std::string_view name);
  void removeAncestors(std::string_view name);

  PersistentHashSet<dns::ARecord, NameOfRecord> records_;
  PersistentHashSet<Ancestor, NameOfAncestor> ancestors_;
  std::uint32_t serial_ = 0;
};

}  // namespace fibdns::authority
