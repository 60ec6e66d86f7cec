#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/security/ip_address.h"
#include "fibdns/security/tsig.h"

namespace fibdns::security {

/// `--allow-update LIST` split into its two kinds of entries.
struct AllowUpdateEntries {
  std::vector<dns::WireName> key_names;
  /// Entries for the CIDR allow-list matcher (issue 11), as written.
  std::vector<std::string> addresses;
};

/// Splits a comma-separated `--allow-update` list. An entry `key:NAME` is a TSIG key name; an
/// entry holding '/' or ':' or made only of digits and dots is an address or CIDR, left for the
/// address matcher; any other entry is a key name (what `tsig-keygen NAME` called it). Spaces
/// around entries are ignored; an empty list allows no one.
/// @return InvalidArgument naming the entry when a key name is invalid or an entry is empty.
Result<AllowUpdateEntries> splitAllowUpdateList(std::string_view text);

/// Who may UPDATE (RFC 2136 §3.3), like BIND's allow-update: a request is allowed when it was
/// signed by a listed key and the signature verified, or when its source address is allowed by
/// the address predicate (the CIDR matcher of issue 11). Nothing listed: no one may update.
/// Immutable; concurrent calls are safe if the predicate's are.
class UpdateAcl {
 public:
  using SourcePredicate = std::function<bool(const IpAddress&)>;

  /// @param key_names  keys that may update (ASCII case ignored); they need not be in the
  ///   keyring (a listed key without a secret can never verify, so it allows nothing).
  /// @param source_allowed  the address part; empty means no address is allowed by itself.
  UpdateAcl(std::vector<dns::WireName> key_names, SourcePredicate source_allowed);

  /// @param verdict  the request's TSIG verdict, or nullptr when it was unsigned. A verdict
  ///   that is not verified never allows (the caller answers NOTAUTH for it anyway).
  bool isAllowed(const TsigVerdict* verdict, const IpAddress& source) const;

  /// True when no key and no address predicate is configured: every update is REFUSED.
  bool allowsNobody() const { return key_names_.empty() && !source_allowed_; }

 private:
  std::vector<std::string> key_names_;  // WireName::key() forms
  SourcePredicate source_allowed_;
};

}  // namespace fibdns::security
