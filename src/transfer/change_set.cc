#include "fibdns/transfer/change_set.h"

namespace fibdns::transfer {

void ChangeSetBuilder::touch(const std::string& name, const std::optional<dns::ARecord>& before,
                             const std::optional<dns::ARecord>& after) {
  const auto found = names_.find(name);
  if (found == names_.end()) {
    names_.emplace(name, NameHistory{before, after});
    return;
  }
  // An earlier change already fixed the "before" state; only the latest "after" counts.
  found->second.after = after;
}

void ChangeSetBuilder::upsert(const std::optional<dns::ARecord>& previous,
                              const dns::ARecord& now) {
  touch(now.name, previous, now);
}

void ChangeSetBuilder::erase(const dns::ARecord& previous) {
  touch(previous.name, previous, std::nullopt);
}

void ChangeSetBuilder::apply(const ChangeSet& change) {
  // Within one step a name is in `removed` (its before) and/or `added` (its after). Both lists are
  // sorted by name, so one merge walk pairs them.
  auto removed = change.removed.begin();
  auto added = change.added.begin();
  while (removed != change.removed.end() || added != change.added.end()) {
    if (added == change.added.end() ||
        (removed != change.removed.end() && removed->name < added->name)) {
      touch(removed->name, *removed, std::nullopt);
      ++removed;
    } else if (removed == change.removed.end() || added->name < removed->name) {
      touch(added->name, std::nullopt, *added);
      ++added;
    } else {
      touch(added->name, *removed, *added);
      ++removed;
      ++added;
    }
  }
}

ChangeSet ChangeSetBuilder::finish(std::uint32_t serial_from, std::uint32_t serial_to) {
  ChangeSet change;
  change.serial_from = serial_from;
  change.serial_to = serial_to;
  for (const auto& [name, history] : names_) {
    if (history.before == history.after) {
      continue;  // added then removed, or changed and changed back: nothing to transfer
    }
    if (history.before) {
      change.removed.push_back(*history.before);
    }
    if (history.after) {
      change.added.push_back(*history.after);
    }
  }
  names_.clear();
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
