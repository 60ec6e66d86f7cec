#pragma once

#include <string>
#include <string_view>

#include "fibdns/common/result.h"

namespace fibdns::dns {

inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr std::size_t kMaxNameTextLength = 253;  // presentation form, without final dot

/// Validates a host name in presentation form and returns its normalised form: lowercase, no
/// trailing dot. Rules (RFC 1035 §2.3.1, RFC 1123): labels of 1..63 letters, digits or hyphens,
/// not starting or ending with a hyphen; at most 253 characters without the one optional trailing
/// dot. InvalidArgument with a message naming the rule broken, e.g. "invalid name: empty label".
Result<std::string> normalizeHostName(std::string_view text);

/// The same rules without building the normalised form: Ok, or the error normalizeHostName
/// would return.
Status checkHostName(std::string_view text);

/// True when `text` is a host name already in normalised form, i.e. normalizeHostName(text)
/// would return `text` itself. Allocates nothing (for checks on a hot path).
bool isNormalizedHostName(std::string_view text);

}  // namespace fibdns::dns
