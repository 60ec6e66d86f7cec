#include "fibdns/transfer/change_set.h"

#include <algorithm>
#include <utility>

namespace fibdns::transfer {

void ChangeSetBuilder::upsert(const std::optional<dns::ARecord>& previous,
                              const dns::ARecord& now) {
  touches_.push_back({previous, now});
}

void ChangeSetBuilder::erase(const dns::ARecord& previous) {
  touches_.push_back({previous, std::nullopt});
}

void ChangeSetBuilder::apply(const ChangeSet& change) {
  // Within one step a name is in `removed` (its before) and/or `added` (its after). Both lists are
  // sorted by name, so one merge walk pairs them.
  auto removed = change.removed.begin();
  auto added = change.added.begin();
  while (removed != change.removed.end() || added != change.added.end()) {
    if (added == change.added.end() ||
        (removed != change.removed.end() && removed->name < added->name)) {
      touches_.push_back({*removed, std::nullopt});
      ++removed;
    } else if (removed == change.removed.end() || added->name < removed->name) {
      touches_.push_back({std::nullopt, *added});
      ++added;
    } else {
      touches_.push_back({*removed, *added});
      ++removed;
      ++added;
    }
  }
}

ChangeSet ChangeSetBuilder::finish(std::uint32_t serial_from, std::uint32_t serial_to) {
  std::stable_sort(touches_.begin(), touches_.end(),
                   [](const Touch& a, const Touch& b) { return a.name() < b.name(); });
  ChangeSet change;
  change.serial_from = serial_from;
  change.serial_to = serial_to;
  // Room first: nothing is moved out of the reports until no push_back can throw.
  change.removed.reserve(touches_.size());
  change.added.reserve(touches_.size());
  for (std::size_t first = 0; first < touches_.size();) {
    std::size_t last = first;
    while (last + 1 < touches_.size() && touches_[last + 1].name() == touches_[first].name()) {
      ++last;
    }
    // The state before the name's first change and after its last one; anything between is
    // transient. Equal states: added then removed, or changed and changed back: nothing to send.
    std::optional<dns::ARecord>& before = touches_[first].before;
    std::optional<dns::ARecord>& after = touches_[last].after;
    if (before != after) {
      if (before) {
        change.removed.push_back(std::move(*before));
      }
      if (after) {
        change.added.push_back(std::move(*after));
      }
    }
    first = last + 1;
  }
  touches_.clear();
  return change;
}

bool isChain(std::span<const ChangeSet> chain, std::uint32_t from, std::uint32_t to) {
  if (chain.empty() || chain.front().serial_from != from || chain.back().serial_to != to) {
    return false;
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (chain[i].serial_from != chain[i - 1].serial_to) {
      return false;
    }
  }
  return true;
}

Result<ChangeSet> condense(std::span<const ChangeSet> chain) {
  if (chain.empty()) {
    return invalidArgument("condense: empty chain");
  }
  if (!isChain(chain, chain.front().serial_from, chain.back().serial_to)) {
    return invalidArgument("condense: steps are not consecutive");
  }
  ChangeSetBuilder builder;
  for (const ChangeSet& step : chain) {
    builder.apply(step);
  }
  return builder.finish(chain.front().serial_from, chain.back().serial_to);
}

}  // namespace fibdns::transfer
