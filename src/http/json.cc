#include "fibdns/http/json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <set>
#include <string>

#include "fibdns/common/flags.h"
#include "fibdns/dns/a_record.h"
#include "fibdns/dns/name.h"
#include "fibdns/http/params.h"
#include "fibdns/http/reply.h"

namespace fibdns::http::json {
namespace {

const char* typeName(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "unknown";
}

std::string_view stringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

Result<std::string> requireString(const rapidjson::Value& value, std::string_view field) {
  if (!value.IsString()) {
    return invalidArgument(std::string(field) + " must be a string, not " + typeName(value));
  }
  return std::string(stringOf(value));
}

/// An unsigned integer given as a JSON integer or as a decimal string, in [min, max].
Result<std::uint64_t> requireInteger(const rapidjson::Value& value, std::string_view field,
                                     std::uint64_t min, std::uint64_t max) {
  const std::string rule = std::string(field) + " must be an integer from " + std::to_string(min) +
                           " to " + std::to_string(max);
  if (value.IsUint64()) {
    const std::uint64_t number = value.GetUint64();
    if (number < min || number > max) {
      return invalidArgument(rule + ", not " + std::to_string(number));
    }
    return number;
  }
  if (value.IsString()) {
    // The one integer parser (flags::parseUnsigned: digits only, no sign, in range).
    const std::string_view text = stringOf(value);
    auto number = flags::parseUnsigned(text, min, max);
    if (!number) {
      return invalidArgument(rule + ", not \"" + oneLine(text, 40) + "\"");
    }
    return *number;
  }
  if (value.IsNumber()) {
    return invalidArgument(
        rule + ", not " +
        (value.IsInt64() ? std::to_string(value.GetInt64()) : std::string("a fraction")));
  }
  return invalidArgument(rule + " (a number or a string), not " + typeName(value));
}

}  // namespace

Result<RegistrationRequest> parseRegistrationRequest(std::string_view body) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    return invalidArgument(std::string("body is not valid JSON: ") +
                           rapidjson::GetParseError_En(document.GetParseError()) + " at offset " +
                           std::to_string(document.GetErrorOffset()));
  }
  if (!document.IsObject()) {
    return invalidArgument(std::string("body must be a JSON object, not ") + typeName(document));
  }

  static const std::set<std::string_view> kKnown = {"hostname", "hostbane", "ip",
                                                    "as_ip",    "as_port",  "ttl"};
  std::set<std::string_view> seen;
  for (const auto& member : document.GetObject()) {
    const std::string_view name = stringOf(member.name);
    if (kKnown.count(name) == 0) {
      return invalidArgument("unknown field \"" + oneLine(name, 40) +
                             "\" (expected hostname, ip, as_ip, as_port, optional ttl)");
    }
    if (!seen.insert(name).second) {
      return invalidArgument("field \"" + std::string(name) + "\" is given twice");
    }
  }
  auto member = [&](const char* name) -> const rapidjson::Value* {
    const auto found = document.FindMember(name);
    return found == document.MemberEnd() ? nullptr : &found->value;
  };

  RegistrationRequest request;

  const rapidjson::Value* hostname = member("hostname");
  const rapidjson::Value* hostbane = member("hostbane");
  if (hostname == nullptr && hostbane == nullptr) {
    return invalidArgument("missing field: hostname");
  }
  auto name = requireString(hostname != nullptr ? *hostname : *hostbane,
                            hostname != nullptr ? "hostname" : "hostbane");
  if (!name) {
    return name.status();
  }
  if (hostname != nullptr && hostbane != nullptr &&
      (!hostbane->IsString() || stringOf(*hostbane) != *name)) {
    return invalidArgument("hostname and its alias hostbane are both given, with different values");
  }
  auto normalized = dns::normalizeHostName(*name);
  if (!normalized) {
    return invalidArgument("hostname: " + normalized.status().message());
  }
  request.hostname = *std::move(normalized);

  const rapidjson::Value* ip = member("ip");
  if (ip == nullptr) {
    return invalidArgument("missing field: ip");
  }
  auto ip_text = requireString(*ip, "ip");
  if (!ip_text) {
    return ip_text.status();
  }
  auto address = dns::parseIpv4(*ip_text);
  if (!address) {
    return invalidArgument("ip: " + address.status().message());
  }
  request.ip = *address;

  const rapidjson::Value* as_ip = member("as_ip");
  if (as_ip == nullptr) {
    return invalidArgument("missing field: as_ip");
  }
  auto as_ip_text = requireString(*as_ip, "as_ip");
  if (!as_ip_text) {
    return as_ip_text.status();
  }
  auto as_address = parseAsAddress(*as_ip_text);
  if (!as_address) {
    return as_address.status();
  }
  request.as_ip = *std::move(as_address);

  const rapidjson::Value* as_port = member("as_port");
  if (as_port == nullptr) {
    return invalidArgument("missing field: as_port");
  }
  auto port = requireInteger(*as_port, "as_port", 1, 65535);
  if (!port) {
    return port.status();
  }
  request.as_port = static_cast<std::uint16_t>(*port);

  if (const rapidjson::Value* ttl = member("ttl"); ttl != nullptr) {
    auto value = requireInteger(*ttl, "ttl", 0, dns::kMaxTtl);
    if (!value) {
      return value.status();
    }
    request.ttl = static_cast<std::uint32_t>(*value);
  }
  return request;
}

}  // namespace fibdns::http::json
