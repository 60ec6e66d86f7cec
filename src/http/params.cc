#include "fibdns/http/params.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "fibdns/common/allow_list.h"
#include "fibdns/common/flags.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "fibdns/http/reply.h"

namespace fibdns::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// The value for a message: one line, short, quoted.
std::string quoted(std::string_view text) {
  // append(), not operator+: GCC 12 at -O3 warns falsely (-Wrestrict) on "'" + std::string.
  std::string result(1, '\'');
  result.append(oneLine(text, 40)).push_back('\'');
  return result;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += part;
  }
  return joined;
}

}  // namespace

bool hasNumericTopLabel(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view top = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return std::all_of(top.begin(), top.end(), isDigit);
}

Result<std::string> percentDecode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      decoded += ' ';
      continue;
    }
    if (c != '%') {
      decoded += c;
      continue;
    }
    if (text.size() - i < 3 || hexValue(text[i + 1]) < 0 || hexValue(text[i + 2]) < 0) {
      return invalidArgument("bad percent-encoding in " + quoted(text));
    }
    decoded += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
    i += 2;
  }
  return decoded;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += c;
      continue;
    }
    encoded += '%';
    encoded += kHex[byte >> 4U];
    encoded += kHex[byte & 0x0FU];
  }
  return encoded;
}

Result<std::uint64_t> parseFibonacciIndex(const std::optional<std::string>& raw,
                                          std::uint64_t max_number) {
  const std::string limit_rule =
      "number must be a decimal integer from 0 to " + std::to_string(max_number);
  if (!raw) {
    return invalidArgument("missing parameter: number (" + limit_rule + ")");
  }
  auto decoded = percentDecode(*raw);
  if (!decoded) {
    return invalidArgument("number: " + decoded.status().message());
  }
  const std::string& text = *decoded;
  if (text.empty()) {
    return invalidArgument("number is empty (" + limit_rule + ")");
  }
  if (std::any_of(text.begin(), text.end(), isSpace)) {
    return invalidArgument("number must not contain spaces: " + quoted(text));
  }
  if (text.front() == '-' || text.front() == '+') {
    return invalidArgument("number must not have a sign: " + quoted(text) + " (" + limit_rule +
                           ")");
  }
  if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    return invalidArgument("number must be decimal, not hexadecimal: " + quoted(text));
  }
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return isDigit(c) || c == '.' || c == 'e' || c == 'E'; }) &&
      std::any_of(text.begin(), text.end(), isDigit) &&
      text.find_first_of(".eE") != std::string::npos) {
    return invalidArgument("number must be a whole number: " + quoted(text));
  }
  if (!std::all_of(text.begin(), text.end(), isDigit)) {
    return invalidArgument("number is not a decimal integer: " + quoted(text) + " (" + limit_rule +
                           ")");
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range || (error == std::errc() && value > max_number)) {
    return invalidArgument("number is too large: " + quoted(text) + " (the limit is " +
                           std::to_string(max_number) + ")");
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return invalidArgument("number is not a decimal integer: " + quoted(text));
  }
  return value;
}

Result<std::uint16_t> parsePortParameter(std::string_view name, std::string_view raw) {
  const std::string rule = std::string(name) + " must be a port number from 1 to 65535";
  auto decoded = percentDecode(raw);
  if (!decoded) {
    return invalidArgument(std::string(name) + ": " + decoded.status().message());
  }
  // The one port parser (flags::parsePort); the message is ours, naming the parameter.
  if (auto port = flags::parsePort(*decoded)) {
    return *port;
  }
  return invalidArgument(rule + ", not " + quoted(*decoded));
}

Result<std::string> parseAsAddress(std::string_view text) {
  if (dns::parseIpv4(text)) {
    return std::string(text);
  }
  std::string_view unbracketed = text;
  if (unbracketed.size() > 2 && unbracketed.front() == '[' && unbracketed.back() == ']') {
    unbracketed = unbracketed.substr(1, unbracketed.size() - 2);
  }
  if (unbracketed.find(':') != std::string_view::npos) {
    if (auto v6 = IpAddress::parse(unbracketed)) {
      return v6->toString();
    }
  } else if (auto host = dns::normalizeHostName(text); host && !hasNumericTopLabel(*host)) {
    return *std::move(host);
  }
  return invalidArgument("as_ip must be an IPv4 or IPv6 address or a host name, not " +
                         quoted(text));
}

Result<UserRequest> validateUserQuery(const RawUserQuery& raw) {
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"hostname", &raw.hostname}, {"fs_port", &raw.fs_port}, {"number", &raw.number},
      {"as_ip", &raw.as_ip},       {"as_port", &raw.as_port},
  };
  std::vector<std::string> missing;
  for (const auto& [name, value] : fields) {
    if (!value->has_value() || (*value)->empty()) {
      missing.emplace_back(name);
    }
  }
  if (!missing.empty()) {
    return invalidArgument(
        std::string(missing.size() == 1 ? "missing parameter: " : "missing parameters: ") +
        join(missing, ", "));
  }

  std::vector<std::string> problems;
  UserRequest request;
  if (auto hostname = percentDecode(*raw.hostname); !hostname) {
    problems.push_back("hostname: " + hostname.status().message());
  } else if (auto normalized = dns::normalizeHostName(*hostname);
             !normalized || normalized->empty()) {
    problems.push_back("hostname " + quoted(*hostname) + " is not a valid host name" +
                       (normalized ? std::string() : " (" + normalized.status().message() + ")"));
  } else {
    request.hostname = *std::move(normalized);
  }
  if (auto port = parsePortParameter("fs_port", *raw.fs_port); !port) {
    problems.push_back(port.status().message());
  } else {
    request.fs_port = *port;
  }
  if (auto number = percentDecode(*raw.number); !number) {
    problems.push_back("number: " + number.status().message());
  } else {
    request.number = *std::move(number);
  }
  if (auto as_ip = percentDecode(*raw.as_ip); !as_ip) {
    problems.push_back("as_ip: " + as_ip.status().message());
  } else if (auto address = parseAsAddress(*as_ip); !address) {
    problems.push_back(address.status().message());
  } else {
    request.as.ip = *std::move(address);
  }
  if (auto port = parsePortParameter("as_port", *raw.as_port); !port) {
    problems.push_back(port.status().message());
  } else {
    request.as.port = *port;
  }
  if (!problems.empty()) {
    return invalidArgument(join(problems, "; "));
  }
  return request;
}

}  // namespace fibdns::http
