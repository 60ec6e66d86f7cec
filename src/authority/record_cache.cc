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

}  // namespace

void RecordCache::replaceAll(const std::vector<dns::ARecord>& records) {
  records_.clear();
  ancestors_.clear();
  records_.reserve(records.size());
  for (const dns::ARecord& record : records) {
    put(record);
  }
}

void RecordCache::put(const dns::ARecord& record) {
  auto [it, inserted] = records_.try_emplace(record.name, record);
  if (!inserted) {
    it->second = record;
    return;
  }
  addAncestors(record.name);
}

bool RecordCache::erase(std::string_view name) {
  const auto it = records_.find(name);
  if (it == records_.end()) {
    return false;
  }
  removeAncestors(name);
  records_.erase(it);
  return true;
}

const dns::ARecord* RecordCache::find(std::string_view name) const {
  const auto it = records_.find(name);
  return it == records_.end() ? nullptr : &it->second;
}

bool RecordCache::hasNamesBelow(std::string_view name) const {
  return ancestors_.find(name) != ancestors_.end();
}

void RecordCache::addAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    auto it = ancestors_.find(ancestor);
    if (it == ancestors_.end()) {
      ancestors_.emplace(std::string(ancestor), 1U);
    } else {
      ++it->second;
    }
  });
}

void RecordCache::removeAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    auto it = ancestors_.find(ancestor);
    if (it != ancestors_.end() && --it->second == 0) {
      ancestors_.erase(it);
    }
  });
}

}  // namespace fibdns::authority
