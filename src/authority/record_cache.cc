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

RecordCache RecordCache::share() {
  RecordCache copy;
  copy.records_ = records_;
  copy.ancestors_ = ancestors_;
  copy.serial_ = serial_;
  return copy;
}

void RecordCache::replaceAll(const std::vector<dns::ARecord>& records) {
  records_ = {};
  ancestors_ = {};
  for (const dns::ARecord& record : records) {
    put(record);
  }
}

void RecordCache::put(const dns::ARecord& record) {
  if (records_.insertOrAssign(record)) {
    addAncestors(record.name);
  }
}

bool RecordCache::erase(std::string_view name) {
  if (!records_.erase(name)) {
    return false;
  }
  removeAncestors(name);
  return true;
}

void RecordCache::addAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    const Ancestor* known = ancestors_.find(ancestor);
    ancestors_.insertOrAssign(
        Ancestor{std::string(ancestor), known == nullptr ? 1U : known->names_below + 1});
  });
}

void RecordCache::removeAncestors(std::string_view name) {
  forEachAncestor(name, [this](std::string_view ancestor) {
    const Ancestor* known = ancestors_.find(ancestor);
    if (known == nullptr) {
      return;
    }
    if (known->names_below <= 1) {
      ancestors_.erase(ancestor);
    } else {
      ancestors_.insertOrAssign(Ancestor{std::string(ancestor), known->names_below - 1});
    }
  });
}

}  // namespace fibdns::authority
