#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/a_record.h"

namespace fibdns::transfer {

/// One committed step of the store: the serial went from `serial_from` to `serial_to` and these
/// A records left and entered it (RFC 1995's "difference sequence" for one version). A name
/// keeps one A record (the lab's latest-wins rule), so a name appears at most once in `removed`
/// and at most once in `added`; a replaced record is in both. Both lists are sorted by name.
/// Records of every zone are in it: the serial is shared by all zones, and an IXFR answer keeps
/// only its zone's names. A step that changed nothing visible (a re-registration with the same
/// address and TTL) has both lists empty but still exists, so that the chain of serials has no
/// holes.
struct ChangeSet {
  std::uint32_t serial_from = 0;
  std::uint32_t serial_to = 0;
  std::vector<dns::ARecord> removed;
  std::vector<dns::ARecord> added;

  bool operator==(const ChangeSet&) const = default;
};

/// Collects the effect of several changes, name by name, into one ChangeSet: for each name only
/// its state before the first change and after the last one matter. So a name added and then
/// removed vanishes, a name replaced twice is one removal of the original and one addition of
/// the final record, and a name changed and changed back is no change at all.
///
/// The writer uses it for a group commit (one ChangeSet per serial step, however many
/// registrations the transaction held); condense() uses it for a chain of steps. Not
/// thread-safe; allocates.
class ChangeSetBuilder {
 public:
  /// `previous` is the name's record before this change (nullopt: the name was new), `now` its
  /// new record. Only the first report of a name in a builder reads `previous` (that is the
  /// state the step starts from), so within a group commit the writer may pass its published
  /// snapshot's record for every registration, even when an earlier one in the same batch
  /// already replaced it.
  void upsert(const std::optional<dns::ARecord>& previous, const dns::ARecord& now);
  /// The name of `previous` lost its A record (same rule for `previous`).
  void erase(const dns::ARecord& previous);
  /// Every name that `change` touched, as if each had been reported individually.
  void apply(const ChangeSet& change);

  /// The combined change from `serial_from` to `serial_to`; the builder is left empty.
  ChangeSet finish(std::uint32_t serial_from, std::uint32_t serial_to);

  bool empty() const { return touches_.empty(); }

 private:
  // One reported change of one name; at least one side is set, and both name the same name.
  struct Touch {
    std::optional<dns::ARecord> before;
    std::optional<dns::ARecord> after;
    // An upsert files under its new record's name (a `previous` only says what it replaced).
    const std::string& name() const { return after ? after->name : before->name; }
  };

  // Every report in order; finish() sorts them by name (stably: a name's first report gives its
  // "before", its last its "after"). A vector rather than a map by name: a group commit's names
  // are nearly all distinct, and one allocation per report was most of the builder's cost.
  std::vector<Touch> touches_;
};

/// Condenses a chain of consecutive steps (each one's serial_from equal to the previous one's
/// serial_to) into one ChangeSet from the first serial_from to the last serial_to.
/// InvalidArgument when `chain` is empty or not consecutive.
Result<ChangeSet> condense(std::span<const ChangeSet> chain);

/// True when `chain` is non-empty, consecutive, starts at `from` and ends at `to`.
bool isChain(std::span<const ChangeSet> chain, std::uint32_t from, std::uint32_t to);

}  // namespace fibdns::transfer
