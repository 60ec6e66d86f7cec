#include "fibdns/dns/name.h"

#include "dns/ascii.h"

#include <cstddef>
#include <string>

namespace fibdns::dns {
namespace {

Status invalidName(std::string_view rule, std::string_view text) {
  std::string message = "invalid name: ";
  message += rule;
  message += ": ";
  message += printableEcho(text);
  return invalidArgument(std::move(message));
}

bool isLetterOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char toLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

Status checkHostName(std::string_view text) {
  std::string_view name = text;
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);  // one optional trailing dot: "fibonacci.com." is fully qualified
  }
  if (name.empty()) {
    return invalidArgument("invalid name: empty");
  }
  if (name.size() > kMaxNameTextLength) {
    return invalidName("longer than 253 characters", text);
  }
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    const bool end_of_label = i == name.size() || name[i] == '.';
    if (!end_of_label) {
      const char c = name[i];
      if (!isLetterOrDigit(c) && c != '-') {
        const char shown[] = {'\'', c >= 0x20 && c <= 0x7E ? c : '?', '\'', '\0'};
        return invalidName(std::string("character ") + shown + " not allowed", text);
      }
      continue;
    }
    const std::size_t length = i - label_start;
    if (length == 0) {
      return invalidName("empty label", text);
    }
    if (length > kMaxLabelLength) {
      return invalidName("label longer than 63 characters", text);
    }
    if (name[label_start] == '-') {
      return invalidName("label starts with a hyphen", text);
    }
    if (name[i - 1] == '-') {
      return invalidName("label ends with a hyphen", text);
    }
    label_start = i + 1;
  }
  return Status::ok();
}

Result<std::string> normalizeHostName(std::string_view text) {
  if (Status valid = checkHostName(text); !valid.isOk()) {
    return valid;
  }
  std::string normalized(text.back() == '.' ? text.substr(0, text.size() - 1) : text);
  for (char& c : normalized) {
    c = toLower(c);
  }
  return normalized;
}

bool isNormalizedHostName(std::string_view text) {
  if (text.empty() || text.back() == '.') {
    return false;
  }
  for (const char c : text) {
    if (c >= 'A' && c <= 'Z') {
      return false;
    }
  }
  return checkHostName(text).isOk();
}

}  // namespace fibdns::dns
