#include "fibdns/authority/record_cache.h"

namespace fibdns::authority {
namespace {

// Calls visit(ancestor) for every proper ancestor of a normalised name, nearest first, ending
// with the root "": "a.b.com" gives "b.com", "com", "".
template <typename Visit>
void forEachAncestor(std::string_view name, Visit visit) {
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    visit(name);
  }
}

std::size_t shardOf(std::string_view key) {
  // The maps hash the whole key again; mixing the high bits here keeps the two uses apart.
  const std::size_t hash = std::hash<std::string_view>{}(key);
  return (hash ^ (hash >> 29)) % RecordCache::kShards;
}

}  // namespace

template <typename Shard>
RecordCache::Shards<Shard>::Shards() : shards(kShards), owned(kShards, true) {
  for (auto& shard : shards) {
    shard = std::make_shared<Shard>();
  }
}

template <typename Shard>
const Shard& RecordCache::Shards<Shard>::read(std::string_view key) const {
  return *shards[shardOf(key)];
}

template <typename Shard>
Shard& RecordCache::Shards<Shard>::write(std::string_view key) {
  const std::size_t index = shardOf(key);
  if (!owned[index]) {
    shards[index] = std::make_shared<Shard>(*shards[index]);
    owned[index] = true;
  }
  return *shards[index];
}

template <typename Shard>
void RecordCache::Shards<Shard>::markShared() {
  owned.assign(kShards, false);
}

RecordCache::RecordCache() = default;

RecordCache::RecordCache(Unfilled) : records_(Unfilled{}), ancestors_(Unfilled{}) {}

RecordCache RecordCache::share() {
  // Copies pointers only: a fresh RecordCache would allocate 2 * kShards empty maps first, which
  // cost more than the commit it follows (seen in a profile of one-record commits).
  RecordCache copy(Unfilled{});
  copy.records_.shards = records_.shards;
  copy.ancestors_.shards = ancestors_.shards;
  copy.records_.markShared();
  copy.ancestors_.markShared();
  records_.markShared();
  ancestors_.markShared();
  copy.size_ = size_;
  copy.serial_ = serial_;
  return copy;
}

void RecordCache::replaceAll(const std::vector<dns::ARecord>& records) {
  records_ = Shards<RecordShard>();
  ancestors_ = Shards<AncestorShard>();
  size_ = 0;
  for (const dns::ARecord& record : records) {
    put(record);
  }
}

void RecordCache::put(const dns::ARecord& record) {
  auto [it, inserted] = records_.write(record.name).try_emplace(record.name, record);
  if (!inserted) {
    it->second = record;
    return;
  }
  ++size_;
  addAncestors(record.name);
}

bool RecordCache::erase(std::string_view name) {
  if (records_.read(name).find(name) == records_.read(name).end()) {
    return false;  // nothing to change: do not clone the shard
  }
  RecordShard& shard = records_.write(name);
  shard.erase(shard.find(name));
  --size_;
  removeAncestors(name);
  return true;
}

const dns::ARecord* RecordCache::find(std::string_view name) const {
  const RecordShard& shard = records_.read(name);
  const auto it = shard.find(name);
  return it == shard.end() ? nullptr : &it->second;
}

bool RecordCache::hasNamesBelow(std::string_view name) const {
  const AncestorShard& shard = ancestors_.read(name);
  return shard.find(name) != shard.end();
}

void RecordCache::forEach(const std::function<void(const dns::ARecord&)>& visit) const {
  for (const auto& shard : records_.shards) {
    for (const auto& [name, record] : *shard) {
      visit(record);
    }
  }
}

void RecordCache::addAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    AncestorShard& shard = ancestors_.write(ancestor);
    auto it = shard.find(ancestor);
    if (it == shard.end()) {
      shard.emplace(std::string(ancestor), 1U);
    } else {
      ++it->second;
    }
  });
}

void RecordCache::removeAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    AncestorShard& shard = ancestors_.write(ancestor);
    auto it = shard.find(ancestor);
    if (it != shard.end() && --it->second == 0) {
      shard.erase(it);
    }
  });
}

}  // namespace fibdns::authority
