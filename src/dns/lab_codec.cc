#include "fibdns/dns/lab_codec.h"

#include "dns/ascii.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <string>
#include <system_error>

#include "fibdns/common/text.h"
#include "fibdns/dns/name.h"

namespace fibdns::dns::lab {
namespace {

// A reason we send or pass on, forced onto one line (not truncated: our own reasons are short).
std::string oneLine(std::string_view text) { return text::oneLine(text); }

bool isSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

char toUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

/// True when `text` equals `upper` (an uppercase ASCII literal) ignoring ASCII case.
bool equalsIgnoreCase(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (toUpper(text[i]) != upper[i]) {
      return false;
    }
  }
  return true;
}

enum Key : std::size_t { kType, kName, kValue, kTtl, kKeyCount };
constexpr std::array<std::string_view, kKeyCount> kKeyNames = {"TYPE", "NAME", "VALUE", "TTL"};

/// The fields of one request or reply; values point into the datagram (no copies).
struct Fields {
  std::array<std::string_view, kKeyCount> values{};
  std::array<bool, kKeyCount> present{};
  std::size_t tokens = 0;

  bool has(Key key) const { return present[key]; }
  std::string_view get(Key key) const { return values[key]; }
};

/// Splits `text` on ASCII whitespace into KEY=VALUE tokens (split at the first '='), keys in any
/// case. A token without '=' or without a key, an empty value or a repeated key is an error; an
/// unknown key is an error unless `ignore_unknown_keys` (replies may carry fields we do not use).
Status splitFields(std::string_view text, Fields& fields, bool ignore_unknown_keys) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (isSpace(text[pos])) {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < text.size() && !isSpace(text[end])) {
      ++end;
    }
    const std::string_view token = text.substr(pos, end - pos);
    pos = end;
    ++fields.tokens;

    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      return invalidArgument("field without '=': " + printableEcho(token));
    }
    if (eq == 0) {
      return invalidArgument("field without a key: " + printableEcho(token));
    }
    const std::string_view key_text = token.substr(0, eq);
    std::size_t key = kKeyCount;
    for (std::size_t k = 0; k < kKeyCount; ++k) {
      if (equalsIgnoreCase(key_text, kKeyNames[k])) {
        key = k;
        break;
      }
    }
    if (key == kKeyCount) {
      if (ignore_unknown_keys) {
        continue;
      }
      return invalidArgument("unknown key: " + printableEcho(key_text));
    }
    if (fields.present[key]) {
      return invalidArgument("repeated key: " + std::string(kKeyNames[key]));
    }
    const std::string_view value = token.substr(eq + 1);
    if (value.empty()) {
      return invalidArgument("empty value for " + std::string(kKeyNames[key]));
    }
    fields.present[key] = true;
    fields.values[key] = value;
  }
  return Status::ok();
}

/// "missing TYPE, NAME" for the required keys that are absent; empty when all are there.
template <std::size_t N>
std::string missingKeys(const Fields& fields, const std::array<Key, N>& required) {
  std::string missing;
  for (const Key key : required) {
    if (!fields.has(key)) {
      missing += missing.empty() ? "missing " : ", ";
      missing += kKeyNames[key];
    }
  }
  return missing;
}

std::string unsupportedType(std::string_view type) {
  return "unsupported TYPE: " + printableEcho(type) + " (only A)";
}

/// A TTL is plain decimal digits, 0..2147483647 (RFC 2181 §8). No sign, no spaces. Leading zeros
/// are accepted ("010" is 10): unlike an IPv4 octet there is no octal reading to be confused with.
Result<std::uint32_t> parseTtl(std::string_view text) {
  const auto invalid = [&] {
    return invalidArgument("invalid TTL: " + printableEcho(text) + " (want 0.." +
                           std::to_string(kMaxTtl) + ")");
  };
  if (text.empty()) {
    return invalid();
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return invalid();
    }
  }
  std::uint32_t ttl = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ttl);
  if (error != std::errc() || end != text.data() + text.size() || ttl > kMaxTtl) {
    return invalid();
  }
  return ttl;
}

Request parseRegistration(const Fields& fields) {
  std::string missing = missingKeys(fields, std::array{kType, kName, kTtl});
  if (!missing.empty()) {
    return Malformed{std::move(missing)};
  }
  if (!equalsIgnoreCase(fields.get(kType), "A")) {
    return RejectedRegistration{unsupportedType(fields.get(kType))};
  }
  Result<std::string> name = normalizeHostName(fields.get(kName));
  if (!name) {
    return RejectedRegistration{name.status().message()};
  }
  const Result<Ipv4Address> address = parseIpv4(fields.get(kValue));
  if (!address) {
    return RejectedRegistration{address.status().message()};
  }
  const Result<std::uint32_t> ttl = parseTtl(fields.get(kTtl));
  if (!ttl) {
    return RejectedRegistration{ttl.status().message()};
  }
  return Registration{ARecord{std::move(name).value(), *address, *ttl}};
}

Request parseQuery(const Fields& fields) {
  if (fields.has(kTtl)) {
    return Malformed{"TTL given without VALUE"};
  }
  std::string missing = missingKeys(fields, std::array{kType, kName});
  if (!missing.empty()) {
    return Malformed{std::move(missing)};
  }
  if (!equalsIgnoreCase(fields.get(kType), "A")) {
    return Malformed{unsupportedType(fields.get(kType))};
  }
  Result<std::string> name = normalizeHostName(fields.get(kName));
  if (!name) {
    return Malformed{name.status().message()};
  }
  return Query{std::move(name).value()};
}

constexpr std::string_view kRegistrationSucceeded = "Registration Succeeded!";
constexpr std::string_view kRegistrationFailed = "Registration Failed!";
constexpr std::string_view kNotFound = "NOT FOUND!";
constexpr std::string_view kBadRequest = "BAD REQUEST!";
constexpr std::string_view kServerError = "SERVER ERROR!";

std::string withReason(std::string_view kind, std::string_view reason) {
  std::string out;
  out.reserve(kind.size() + 1 + reason.size());
  out += kind;
  out += '\n';
  out += oneLine(reason);
  return out;
}

std::string encodeRecord(const ARecord& record) {
  std::string out;
  out.reserve(32 + record.name.size());
  out += "TYPE=A\nNAME=";
  out += record.name;
  out += "\nVALUE=";
  out += record.address.toString();
  out += "\nTTL=";
  out += std::to_string(record.ttl);
  out += '\n';
  return out;
}

/// The line starting at `pos` (without its '\n'), trimmed.
std::string_view lineAt(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) {
    return {};
  }
  const std::size_t end = text.find('\n', pos);
  return trim(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
}

Reply parseAnswer(std::string_view text) {
  Fields fields;
  const Status split = splitFields(text, fields, /*ignore_unknown_keys=*/true);
  if (!split.isOk()) {
    return UnparsableReply{"unrecognised reply: " + split.message()};
  }
  std::string missing = missingKeys(fields, std::array{kType, kName, kValue, kTtl});
  if (!missing.empty()) {
    return UnparsableReply{"answer " + missing};
  }
  if (!equalsIgnoreCase(fields.get(kType), "A")) {
    return UnparsableReply{"answer has " + unsupportedType(fields.get(kType))};
  }
  Result<std::string> name = normalizeHostName(fields.get(kName));
  if (!name) {
    return UnparsableReply{"answer has " + name.status().message()};
  }
  const Result<Ipv4Address> address = parseIpv4(fields.get(kValue));
  if (!address) {
    return UnparsableReply{"answer has " + address.status().message()};
  }
  const Result<std::uint32_t> ttl = parseTtl(fields.get(kTtl));
  if (!ttl) {
    return UnparsableReply{"answer has " + ttl.status().message()};
  }
  return Answer{ARecord{std::move(name).value(), *address, *ttl}};
}

}  // namespace

bool looksLikeText(std::span<const std::uint8_t> datagram) {
  for (const std::uint8_t b : datagram) {
    if (!((b >= 0x09 && b <= 0x0D) || (b >= 0x20 && b <= 0x7E))) {
      return false;
    }
  }
  return true;
}

bool looksLikeReply(std::string_view datagram) {
  const std::size_t start = datagram.find_first_not_of(" \t\r\n\f\v");
  if (start == std::string_view::npos) {
    return false;
  }
  const std::string_view text = datagram.substr(start);
  for (const std::string_view marker : {"Registration Succeeded!", "Registration Failed!",
                                        "NOT FOUND!", "BAD REQUEST!", "SERVER ERROR!"}) {
    if (text.substr(0, marker.size()) == marker) {
      return true;
    }
  }
  return false;
}

Request parseRequest(std::span<const std::uint8_t> datagram) {
  // Reading bytes through char is allowed aliasing.
  return parseRequest(
      std::string_view(reinterpret_cast<const char*>(datagram.data()), datagram.size()));
}

Request parseRequest(std::string_view datagram) {
  if (datagram.size() > kMaxRequestSize) {
    return Malformed{"request over " + std::to_string(kMaxRequestSize) + " bytes"};
  }
  if (!looksLikeText(
          std::span(reinterpret_cast<const std::uint8_t*>(datagram.data()), datagram.size()))) {
    return Malformed{"binary data is not a lab request"};
  }
  Fields fields;
  const Status split = splitFields(datagram, fields, /*ignore_unknown_keys=*/false);
  if (!split.isOk()) {
    return Malformed{split.message()};
  }
  if (fields.tokens == 0) {
    return Malformed{"empty request"};
  }
  // VALUE is what makes a request a registration (protocol.md).
  if (fields.has(kValue)) {
    return parseRegistration(fields);
  }
  return parseQuery(fields);
}

std::string encodeRegistrationSucceeded() { return std::string(kRegistrationSucceeded); }

std::string encodeRegistrationFailed(std::string_view reason) {
  return withReason(kRegistrationFailed, reason);
}

std::string encodeAnswer(const ARecord& record) { return encodeRecord(record); }

std::string encodeNotFound() { return std::string(kNotFound); }

std::string encodeBadRequest(std::string_view reason) { return withReason(kBadRequest, reason); }

std::string encodeServerError(std::string_view reason) { return withReason(kServerError, reason); }

std::string encodeRegistration(const ARecord& record) { return encodeRecord(record); }

std::string encodeQuery(std::string_view name) {
  std::string out;
  out.reserve(13 + name.size());
  out += "TYPE=A\nNAME=";
  out += name;
  out += '\n';
  return out;
}

Reply parseReply(std::string_view datagram) {
  if (!looksLikeText(
          std::span(reinterpret_cast<const std::uint8_t*>(datagram.data()), datagram.size()))) {
    return UnparsableReply{"binary data is not a lab reply"};
  }
  // Peers differ in trailing newlines and spaces; tolerate any surrounding whitespace.
  const std::string_view text = trim(datagram);
  if (text.empty()) {
    return UnparsableReply{"empty reply"};
  }
  if (text == kRegistrationSucceeded) {
    return RegistrationSucceeded{};
  }
  if (text == kNotFound) {
    return NotFoundReply{};
  }
  const std::string_view first = lineAt(text, 0);
  for (const std::string_view kind : {kRegistrationFailed, kBadRequest, kServerError}) {
    if (first == kind) {
      const std::size_t newline = text.find('\n');
      const std::string_view reason =
          newline == std::string_view::npos ? std::string_view() : lineAt(text, newline + 1);
      // The reason goes on into logs and HTTP bodies: keep it one clean line.
      return ErrorReply{std::string(kind), oneLine(reason)};
    }
  }
  return parseAnswer(text);
}

}  // namespace fibdns::dns::lab
