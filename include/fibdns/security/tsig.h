#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/dns/wire_writer.h"

/// TSIG, secret key transaction authentication (RFC 8945): find and check the TSIG of a request,
/// sign the reply, sign every message of a multi-message reply. Pure: no I/O, and the time is a
/// parameter (seconds since the Unix epoch), so the caller's clock is the injected one. The MACs
/// are OpenSSL's HMAC; MACs are compared in constant time.
namespace fibdns::security {

inline constexpr std::uint16_t kTypeTsig = 250;
inline constexpr std::uint16_t kClassAny = 255;
inline constexpr std::uint16_t kClassNone = 254;
/// RCODE of every TSIG failure reply (RFC 8945 §5.2); the reason is the TSIG ERROR field.
inline constexpr std::uint8_t kRcodeNotAuth = 9;
/// The fudge we sign with (RFC 8945 §10 recommends 300 seconds).
inline constexpr std::uint16_t kDefaultFudge = 300;

enum class TsigAlgorithm : std::uint8_t { HmacSha1, HmacSha256, HmacSha512 };

/// "hmac-sha1", "hmac-sha256", "hmac-sha512" (ASCII case ignored, one trailing dot allowed): the
/// names key files and the TSIG Algorithm Name field use (RFC 8945 §6). nullopt for any other.
std::optional<TsigAlgorithm> tsigAlgorithmFromName(std::string_view name);
/// "hmac-sha256" and so on, lower case, no trailing dot.
std::string_view tsigAlgorithmName(TsigAlgorithm algorithm);
/// Length of the full MAC in bytes: 20, 32 or 64.
std::size_t tsigMacLength(TsigAlgorithm algorithm);

/// The TSIG ERROR field (RFC 8945 §3).
enum class TsigError : std::uint16_t {
  NoError = 0,
  BadSig = 16,
  BadKey = 17,
  BadTime = 18,
  BadTrunc = 22,
};

/// A shared secret. The name is lower case (keys are found ignoring case).
struct TsigKey {
  dns::WireName name;
  TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
  std::vector<std::uint8_t> secret;
};

/// The keys a server knows, by name. Built at start-up, then read-only: concurrent find() calls
/// are safe. Pointers it returns stay valid as long as the keyring lives and add() is not called.
class TsigKeyring {
 public:
  /// InvalidArgument when a key of the same name (ignoring case) is already there.
  Status add(TsigKey key);
  /// The key of that name (ASCII case ignored), or nullptr.
  const TsigKey* find(const dns::WireName& name) const;
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

 private:
  std::map<std::string, TsigKey, std::less<>> keys_;  // by WireName::key()
};

/// A TSIG RR as read from the end of a message (RFC 8945 §4.2).
struct TsigRecord {
  std::size_t offset = 0;  // where the TSIG RR starts: the message without it is [0, offset)
  dns::WireName key_name;  // the owner, as received (case kept)
  dns::WireName algorithm_name;
  std::uint64_t time_signed = 0;  // 48 bits
  std::uint16_t fudge = 0;
  std::vector<std::uint8_t> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  std::vector<std::uint8_t> other_data;
};

/// Finds the TSIG RR of a message. Walks every section with the one WireReader.
///
/// @return nullopt when the message has no TSIG RR. InvalidArgument (answer FORMERR) when the
///   message is malformed anywhere, a TSIG is not the last record of the additional section or
///   there are several (RFC 8945 §5.1), its CLASS is not ANY or TTL not 0, or its RDATA is
///   malformed (names in it must not be compressed). Otherwise the record.
Result<std::optional<TsigRecord>> findTsig(std::span<const std::uint8_t> message);

/// Local policy on truncated MACs (RFC 8945 §5.2.4).
struct TsigPolicy {
  /// Shortest MAC accepted; shorter (but RFC-legal) MACs get BADTRUNC. 0: the RFC minimum,
  /// max(10, half the hash length).
  std::size_t min_mac_size = 0;
};

/// The outcome of checking a signed request.
struct TsigVerdict {
  /// NoError: the request is authentic and fresh; `key` signed it. Anything else: answer with
  /// RCODE NOTAUTH and this TSIG error (appendResponseTsig writes it).
  TsigError error = TsigError::NoError;
  /// The key named in the request (into the keyring); nullptr when the error is BadKey.
  const TsigKey* key = nullptr;
  /// The request's TSIG as received; its MAC is the "request MAC" a signed reply chains on.
  TsigRecord request;
  /// The time the check was made (the reply's BADTIME Other Data).
  std::uint64_t checked_at = 0;

  bool isVerified() const { return error == TsigError::NoError; }
};

/// Checks a request's TSIG (RFC 8945 §5.2) in the RFC's order: key (§5.2.1: unknown name, or an
/// algorithm other than the key's, is BADKEY), MAC (§5.2.2: BADSIG), time (§5.2.3: more than the
/// request's fudge away from `now` is BADTIME), truncation (§5.2.4: BADTRUNC below the policy).
///
/// @param message  the request as received, TSIG last.
/// @param now      seconds since the Unix epoch, from the caller's clock.
/// @return nullopt when the request is not signed. InvalidArgument (answer FORMERR, unsigned)
///   when findTsig rejects the message, or the MAC size is longer than the hash or shorter than
///   max(10, half the hash) (§5.2.2.1; a zero-length MAC is BADSIG instead, as BIND does).
///   Otherwise a verdict. Never throws.
Result<std::optional<TsigVerdict>> verifyRequest(std::span<const std::uint8_t> message,
                                                 const TsigKeyring& keys, std::uint64_t now,
                                                 const TsigPolicy& policy = {});

/// Appends the TSIG RR of the reply to a signed request and adds one to the reply's ARCOUNT.
///
/// By the verdict (RFC 8945 §5.3): NoError, BadTime and BadTrunc replies are signed, with the
/// MAC over the request MAC, the reply and the TSIG variables; a BadTime reply carries the
/// request's Time Signed and the server's time (`verdict.checked_at`) in Other Data (§5.2.3).
/// BadKey and BadSig replies are unsigned (MAC size 0, §5.3.2). Other replies are stamped with
/// `now`. The caller sets RCODE NOTAUTH when the verdict is not NoError.
///
/// @param writer  holds the whole reply from its header on (ID at offset 0, ARCOUNT at 10, not
///   yet counting the TSIG); the TSIG goes after what is written.
/// @return false when the TSIG did not fit (the writer's sticky error is set; roll back to a
///   shorter reply, e.g. with TC, and call again) or OpenSSL failed.
bool appendResponseTsig(dns::WireWriter& writer, const TsigVerdict& verdict, std::uint64_t now);

/// Signs every message of a multi-message reply, e.g. a zone transfer over TCP (RFC 8945
/// §5.3.1): the first like appendResponseTsig, each later one with a MAC over the previous MAC,
/// the message and the timers only (Time Signed, Fudge), so the MACs form a chain. Every message
/// is signed. One object per reply stream; not thread-safe.
class TsigStreamSigner {
 public:
  /// `verdict` must be verified (isVerified()); its key must outlive this object.
  explicit TsigStreamSigner(const TsigVerdict& verdict);

  /// Signs the next message, as appendResponseTsig does. False when it did not fit, or when the
  /// verdict was not verified; a message that failed to sign does not advance the chain.
  bool signNext(dns::WireWriter& writer, std::uint64_t now);

 private:
  TsigVerdict verdict_;
  std::vector<std::uint8_t> prior_mac_;
  bool first_ = true;
};

}  // namespace fibdns::security
