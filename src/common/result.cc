#include "fibdns/common/result.h"

namespace fibdns {

const char* statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::Ok:
      return "Ok";
    case StatusCode::InvalidArgument:
      return "InvalidArgument";
    case StatusCode::NotFound:
      return "NotFound";
    case StatusCode::FailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::Unavailable:
      return "Unavailable";
    case StatusCode::DeadlineExceeded:
      return "DeadlineExceeded";
    case StatusCode::PermissionDenied:
      return "PermissionDenied";
    case StatusCode::Internal:
      return "Internal";
  }
  return "Unknown";
}

}  // namespace fibdns
