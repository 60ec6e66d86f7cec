#pragma once

#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/security/tsig.h"

namespace fibdns::security {

/// Parses TSIG keys in the format BIND's `tsig-keygen` writes (and named.conf uses):
///
///     key "name" {
///             algorithm hmac-sha256;
///             secret "base64";
///     };
///
/// Several key statements per file; the name may be quoted or not; `#`, `//` and `/* */`
/// comments anywhere between tokens. Algorithms: hmac-sha1, hmac-sha256, hmac-sha512. Key names
/// are lower-cased; labels may hold any printable character but dot, quote, brace and semicolon.
/// The secret is base64 (OpenSSL's decoder), whitespace inside the quotes ignored.
///
/// Pure: the caller reads the file and passes its text.
///
/// @return the keys in file order, or InvalidArgument "line N: reason" for the first error (an
///   unknown statement or option, a missing or repeated algorithm or secret, an unsupported
///   algorithm, bad base64, an empty secret, an invalid name, a name used twice, an unterminated
///   string or comment, a missing brace or semicolon, a file with no key). Secrets never appear
///   in messages.
Result<std::vector<TsigKey>> parseTsigKeyFile(std::string_view text);

/// parseTsigKeyFile, then the keys in a keyring.
Result<TsigKeyring> parseTsigKeyring(std::string_view text);

/// The wire form of a key name in presentation form: labels of 1..63 printable bytes other than
/// dot, quote, brace, semicolon and whitespace, one optional trailing dot, lower-cased.
/// InvalidArgument otherwise.
Result<dns::WireName> keyNameFromText(std::string_view text);

}  // namespace fibdns::security
