#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
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
/// Names are normalised (lowercase, no trailing dot; the root is "").
///
/// Copy-on-write in shards, so that publishing a new version to the query threads costs a few
/// microseconds however many names there are: the content is split by name hash into kShards
/// shards held by shared_ptr. share() returns a copy that shares every shard; after it, the
/// next change to a shard clones that shard first (once), so a shared shard is never written.
/// Consequently an instance is not thread-safe, but a copy obtained from share() may be read by
/// any number of threads while the original keeps changing (the writer/reader split of the AS
/// engine: engine::SnapshotPublisher).
class RecordCache {
 public:
  static constexpr std::size_t kShards = 1024;

  RecordCache();
  RecordCache(RecordCache&&) noexcept = default;
  RecordCache& operator=(RecordCache&&) noexcept = default;
  // Copies go through share(), which must also mark this instance's shards as shared.
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  /// A copy sharing every shard with this one (cheap: kShards pointer copies). Both this cache
  /// and the copy clone a shard before they next change it.
  RecordCache share();

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
  /// Calls visit(record) for every record, in no particular order.
  void forEach(const std::function<void(const dns::ARecord&)>& visit) const;

  std::size_t size() const { return size_; }

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
  template <typename Value>
  using Map = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;
  // Every proper ancestor of a stored name, with how many stored names are below it.
  using RecordShard = Map<dns::ARecord>;
  using AncestorShard = Map<std::uint32_t>;

  struct Unfilled {};  // constructs without allocating the empty shards (share() fills them)
  explicit RecordCache(Unfilled);

  template <typename Shard>
  struct Shards {
    std::vector<std::shared_ptr<Shard>> shards;
    std::vector<bool> owned;  // owned[i]: shards[i] is referenced by this instance only
    Shards();
    explicit Shards(Unfilled) {}
    const Shard& read(std::string_view key) const;
    Shard& write(std::string_view key);  // clones a shared shard first
    void markShared();
  };

  void addAncestors(std::string_view name);
  void removeAncestors(std::string_view name);

  Shards<RecordShard> records_;
  Shards<AncestorShard> ancestors_;
  std::size_t size_ = 0;
  std::uint32_t serial_ = 0;
};

}  // namespace fibdns::authority
