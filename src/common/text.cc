#include "fibdns/common/text.h"

namespace fibdns::text {

std::string oneLine(std::string_view text, std::size_t max_length) {
  const bool cut = text.size() > max_length;
  const std::string_view kept = cut ? text.substr(0, max_length) : text;
  std::string line;
  line.reserve(kept.size() + (cut ? 3 : 0));
  for (const char c : kept) {
    if (c >= '\t' && c <= '\r') {
      line.push_back(' ');
    } else if (c < 0x20 || c > 0x7E) {
      line.push_back('?');
    } else {
      line.push_back(c);
    }
  }
  if (cut) {
    line += "...";
  }
  return line;
}

std::string_view trimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace fibdns::text
