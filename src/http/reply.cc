#include "fibdns/http/reply.h"

#include <utility>

#include "fibdns/common/text.h"

namespace fibdns::http {

HttpReply textReply(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

int httpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::Ok:
      return 200;
    case StatusCode::InvalidArgument:
      return 400;
    case StatusCode::NotFound:
      return 404;
    case StatusCode::FailedPrecondition:
      return 503;
    case StatusCode::Unavailable:
      return 502;
    case StatusCode::DeadlineExceeded:
      return 504;
    case StatusCode::PermissionDenied:
      return 403;
    case StatusCode::Internal:
      return 500;
  }
  return 500;
}

HttpReply errorReply(const Status& status) {
  return textReply(httpStatusFor(status.code()), oneLine(status.message()));
}

std::string oneLine(std::string_view text, std::size_t max_length) {
  return text::oneLine(text, max_length);
}

}  // namespace fibdns::http
