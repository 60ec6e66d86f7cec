#include "fibdns/security/dns_cookie.h"

#include <openssl/rand.h>

#include "fibdns/dns/message.h"
#include "fibdns/dns/record.h"
#include "fibdns/dns/wire_reader.h"
#include "security/openssl_mac.h"

namespace fibdns::security {
namespace {

constexpr std::uint8_t kCookieVersion = 1;
constexpr std::size_t kHashOffset = 8;  // version, reserved (3), timestamp (4)
constexpr std::size_t kHashSize = 8;

using Hash = std::array<std::uint8_t, kHashSize>;

// RFC 9018 §4.4: SipHash-2-4 over Client Cookie | Version | Reserved | Timestamp | Client-IP.
std::optional<Hash> cookieHash(const ServerCookies::Secret& secret,
                               std::span<const std::uint8_t> client_cookie,
                               std::span<const std::uint8_t> header, const IpAddress& client) {
  Hash hash{};
  if (!detail::siphash24(secret, {client_cookie, header, client.octets()}, hash)) {
    return std::nullopt;
  }
  return hash;
}

std::uint32_t readU32At(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | bytes[offset + 3];
}

}  // namespace

Result<CookieOption> parseCookieOption(std::span<const std::uint8_t> option_data) {
  const std::size_t size = option_data.size();
  if (size != kClientCookieSize && (size < 16 || size > 40)) {
    return invalidArgument("COOKIE option of " + std::to_string(size) + " bytes");
  }
  CookieOption cookie;
  std::copy(option_data.begin(), option_data.begin() + kClientCookieSize, cookie.client.begin());
  cookie.server_size = size - kClientCookieSize;
  std::copy(option_data.begin() + kClientCookieSize, option_data.end(),
            cookie.server_storage.begin());
  return cookie;
}

Result<std::optional<CookieOption>> findCookieOption(std::span<const std::uint8_t> message) {
  dns::WireReader reader(message);
  dns::Header header;
  if (!dns::readHeader(reader, header) || !dns::skipQuestions(reader, header.qdcount)) {
    return invalidArgument("malformed message");
  }
  const std::size_t before_additional = std::size_t{header.ancount} + header.nscount;
  const std::size_t total = before_additional + header.arcount;
  dns::RecordView record;
  std::optional<CookieOption> found;
  for (std::size_t i = 0; i < total; ++i) {
    if (!dns::readRecord(reader, record)) {
      return invalidArgument("malformed resource record");
    }
    if (record.type != dns::kTypeOpt || i < before_additional) {
      continue;
    }
    dns::WireReader options(record.rdata);
    while (options.remaining() > 0) {
      const std::uint16_t code = options.readU16();
      const std::uint16_t length = options.readU16();
      const auto data = options.readBytes(length);
      if (!options.ok()) {
        return invalidArgument("malformed OPT RDATA");
      }
      if (code != kOptionCookie) {
        continue;
      }
      if (found) {
        return invalidArgument("two COOKIE options");
      }
      auto cookie = parseCookieOption(data);
      if (!cookie) {
        return cookie.status();
      }
      found = cookie.value();
    }
  }
  return found;
}

Result<ServerCookies::Secret> ServerCookies::randomSecret() {
  Secret secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return internalError("OpenSSL RAND_bytes failed");
  }
  return secret;
}

ServerCookies ServerCookies::rotated(const Secret& next) const { return {next, current_}; }

CookieCheck ServerCookies::check(const CookieOption& cookie, const IpAddress& client,
                                 std::uint32_t now) const {
  if (cookie.server_size == 0) {
    return CookieCheck::ClientOnly;
  }
  const auto server = cookie.server();
  if (server.size() != kServerCookieSize || server[0] != kCookieVersion) {
    return CookieCheck::Invalid;
  }
  // RFC 1982 serial arithmetic: the difference as a signed 32-bit distance.
  const auto age = static_cast<std::int32_t>(now - readU32At(server, 4));
  if (age > static_cast<std::int32_t>(kCookieMaxAge) ||
      age < -static_cast<std::int32_t>(kCookieMaxSkew)) {
    return CookieCheck::Invalid;
  }
  const auto header = server.first(kHashOffset);
  const auto hash = server.subspan(kHashOffset, kHashSize);
  for (const Secret* secret : {&current_, previous_ ? &*previous_ : nullptr}) {
    if (secret == nullptr) {
      continue;
    }
    const auto expected = cookieHash(*secret, cookie.client, header, client);
    if (expected && detail::constantTimeEquals(*expected, hash)) {
      return CookieCheck::Valid;
    }
  }
  return CookieCheck::Invalid;
}

std::array<std::uint8_t, kServerCookieSize> ServerCookies::issue(
    std::span<const std::uint8_t, kClientCookieSize> client_cookie, const IpAddress& client,
    std::uint32_t now) const {
  std::array<std::uint8_t, kServerCookieSize> cookie{};
  cookie[0] = kCookieVersion;  // then 3 reserved zero bytes
  cookie[4] = static_cast<std::uint8_t>(now >> 24);
  cookie[5] = static_cast<std::uint8_t>((now >> 16) & 0xFF);
  cookie[6] = static_cast<std::uint8_t>((now >> 8) & 0xFF);
  cookie[7] = static_cast<std::uint8_t>(now & 0xFF);
  const auto hash = cookieHash(current_, client_cookie,
                               std::span<const std::uint8_t>(cookie).first(kHashOffset), client);
  if (!hash) {
    return {};
  }
  std::copy(hash->begin(), hash->end(), cookie.begin() + kHashOffset);
  return cookie;
}

void ServerCookies::writeReplyOption(dns::WireWriter& writer, const CookieOption& request,
                                     const IpAddress& client, std::uint32_t now) const {
  writer.writeU16(kOptionCookie);
  writer.writeU16(static_cast<std::uint16_t>(kClientCookieSize + kServerCookieSize));
  writer.writeBytes(request.client);
  writer.writeBytes(issue(request.client, client, now));
}

}  // namespace fibdns::security
