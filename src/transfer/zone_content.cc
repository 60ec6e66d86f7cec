#include "fibdns/transfer/zone_content.h"

namespace fibdns::transfer {

bool isAtOrBelow(std::string_view name, std::string_view apex) {
  if (apex.empty()) {
    return true;
  }
  if (name.size() == apex.size()) {
    return name == apex;
  }
  // Below: "<labels>." + apex. The dot check keeps "xfib.test" out of "fib.test".
  return name.size() > apex.size() && name.ends_with(apex) &&
         name[name.size() - apex.size() - 1] == '.';
}

bool ZoneContent::owns(std::string_view name) const {
  if (!isAtOrBelow(name, apex)) {
    return false;
  }
  for (const std::string& subzone : subzones) {
    if (isAtOrBelow(name, subzone)) {
      return false;
    }
  }
  return true;
}

}  // namespace fibdns::transfer
