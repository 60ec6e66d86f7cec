#include "fibdns/security/update_acl.h"

#include <algorithm>

#include "dns/ascii.h"
#include "fibdns/common/text.h"
#include "fibdns/security/tsig_keyfile.h"

namespace fibdns::security {
namespace {

std::string_view trim(std::string_view text) { return text::trimBlanks(text); }

bool looksLikeAddress(std::string_view entry) {
  if (entry.find('/') != std::string_view::npos || entry.find(':') != std::string_view::npos) {
    return true;
  }
  return std::all_of(entry.begin(), entry.end(),
                     [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

}  // namespace

Result<AllowUpdateEntries> splitAllowUpdateList(std::string_view text) {
  AllowUpdateEntries entries;
  if (trim(text).empty()) {
    return entries;
  }
  constexpr std::string_view kKeyPrefix = "key:";
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      comma = text.size();
    }
    const std::string_view entry = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) {
      return invalidArgument("empty entry in --allow-update");
    }
    const bool forced_key = entry.substr(0, kKeyPrefix.size()) == kKeyPrefix;
    if (!forced_key && looksLikeAddress(entry)) {
      entries.addresses.emplace_back(entry);
      continue;
    }
    const std::string_view name = forced_key ? entry.substr(kKeyPrefix.size()) : entry;
    auto wire = keyNameFromText(name);
    if (!wire) {
      return invalidArgument("--allow-update entry '" + dns::printableEcho(entry) +
                             "': " + wire.status().message());
    }
    entries.key_names.push_back(std::move(wire).value());
  }
  return entries;
}

UpdateAcl::UpdateAcl(std::vector<dns::WireName> key_names, SourcePredicate source_allowed)
    : source_allowed_(std::move(source_allowed)) {
  for (const dns::WireName& name : key_names) {
    key_names_.emplace_back(name.key());
  }
}

bool UpdateAcl::isAllowed(const TsigVerdict* verdict, const IpAddress& source) const {
  if (verdict != nullptr && verdict->isVerified() && verdict->key != nullptr) {
    const std::string_view signer = verdict->key->name.key();
    if (std::find(key_names_.begin(), key_names_.end(), signer) != key_names_.end()) {
      return true;
    }
  }
  return source_allowed_ && source_allowed_(source);
}

}  // namespace fibdns::security
