#include "storage/sqlite_status.h"

#include <string>

#include <sqlite3.h>

namespace fibdns::storage::detail {

Status statusFrom(StatusCode code, std::string_view context, const std::exception& e) {
  std::string message(context);
  message += ": ";
  message += e.what();
  return {code, std::move(message)};
}

bool isEnvironmentFailure(const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_INTERRUPT:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

bool isConstraintViolation(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_CONSTRAINT;
}

}  // namespace fibdns::storage::detail
