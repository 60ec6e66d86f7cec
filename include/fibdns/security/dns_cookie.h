#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "fibdns/common/result.h"
#include "fibdns/dns/wire_writer.h"
#include "fibdns/security/ip_address.h"

/// DNS cookies (RFC 7873) with interoperable server cookies (RFC 9018): SipHash-2-4 from OpenSSL.
namespace fibdns::security {

inline constexpr std::uint16_t kOptionCookie = 10;  // EDNS option code (RFC 7873 §4)
inline constexpr std::size_t kClientCookieSize = 8;
inline constexpr std::size_t kServerCookieSize = 16;  // RFC 9018 §4: what we issue
inline constexpr std::uint32_t kCookieMaxAge = 3600;  // RFC 9018 §4.3: valid for an hour
inline constexpr std::uint32_t kCookieMaxSkew = 300;  // ... and 5 minutes into the future

/// A COOKIE option: the client cookie, and the server cookie when the client sent one.
struct CookieOption {
  std::array<std::uint8_t, kClientCookieSize> client{};
  std::array<std::uint8_t, 32> server_storage{};
  std::size_t server_size = 0;  // 0 (client cookie only) or 8..32

  std::span<const std::uint8_t> server() const { return {server_storage.data(), server_size}; }
};

/// Parses a COOKIE option's data (what follows OPTION-CODE and OPTION-LENGTH).
/// @return InvalidArgument (answer FORMERR, RFC 7873 §5.2.2) unless the length is 8 (client
///   cookie only) or 16..40 (with a server cookie of 8..32 bytes).
Result<CookieOption> parseCookieOption(std::span<const std::uint8_t> option_data);

/// Finds the COOKIE option in a request's OPT record, walking the message with the WireReader.
/// @return nullopt when there is no OPT or no COOKIE in it. InvalidArgument (FORMERR) when the
///   message is malformed, the COOKIE is (parseCookieOption), or there are two COOKIE options.
Result<std::optional<CookieOption>> findCookieOption(std::span<const std::uint8_t> message);

enum class CookieCheck : std::uint8_t {
  ClientOnly,  // no server cookie: a first contact; answer normally, with a server cookie
  Valid,       // a server cookie we issued, for this client, within its lifetime
  Invalid,     // a server cookie we cannot accept (another server's, an old secret, expired,
               // another client address): answer as for ClientOnly (RFC 7873 §5.2.3)
};

/// Issues and checks server cookies (RFC 9018 §4): Version 1 | Reserved 0 0 0 | Timestamp (32
/// bits, seconds since the epoch) | Hash, where Hash = SipHash-2-4(secret, Client Cookie |
/// Version | Reserved | Timestamp | Client IP), 8 bytes.
///
/// Immutable, so concurrent calls are safe. Secret rotation (RFC 9018 §5): build the next object
/// with rotated(); it issues with the new secret and still accepts cookies made with the one
/// before, for the hour they stay valid. Publish it as the engine publishes other snapshots.
class ServerCookies {
 public:
  using Secret = std::array<std::uint8_t, 16>;

  explicit ServerCookies(const Secret& secret) : current_(secret) {}

  /// 16 random bytes from OpenSSL's CSPRNG; Internal when it fails.
  static Result<Secret> randomSecret();

  /// The same cookies, a new secret for issuing; the current one is kept for checking only.
  ServerCookies rotated(const Secret& next) const;

  /// Checks the request's server cookie for `client` at `now` (seconds since the Unix epoch,
  /// compared with RFC 1982 serial arithmetic as RFC 9018 §4.3 says). The hash is compared in
  /// constant time.
  CookieCheck check(const CookieOption& cookie, const IpAddress& client, std::uint32_t now) const;

  /// A fresh server cookie for this client cookie and address, stamped `now`. All zero if
  /// OpenSSL fails (which a valid build never does; such a cookie never checks Valid).
  std::array<std::uint8_t, kServerCookieSize> issue(
      std::span<const std::uint8_t, kClientCookieSize> client_cookie, const IpAddress& client,
      std::uint32_t now) const;

  /// Writes a whole COOKIE option for the reply into the OPT RDATA being written: code 10,
  /// length 24, the request's client cookie and a fresh server cookie (RFC 7873 §5.2.2-5.2.4).
  /// The caller adds 28 to the OPT's RDLENGTH and checks writer.ok().
  void writeReplyOption(dns::WireWriter& writer, const CookieOption& request,
                        const IpAddress& client, std::uint32_t now) const;

 private:
  ServerCookies(const Secret& current, const Secret& previous)
      : current_(current), previous_(previous) {}

  Secret current_;
  std::optional<Secret> previous_;
};

}  // namespace fibdns::security
