#pragma once

#include <string>
#include <string_view>

#include "fibdns/common/result.h"

/// What an HTTP handler answers, independent of the HTTP library: the pure services return it and
/// the Pistache adapter sends it.
namespace fibdns::http {

inline constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = std::string(kTextPlain);
  std::string allow;        // the Allow header of a 405; empty otherwise
  std::string retry_after;  // the Retry-After header of a 503 (seconds); empty otherwise

  bool operator==(const HttpReply&) const = default;
};

/// A text/plain reply. Error bodies are one line: the adapter never sends HTML or a stack trace.
HttpReply textReply(int status, std::string body);

/// The STYLE C5 translation of a Status to an HTTP status, for errors of our own dependencies seen
/// from an HTTP service: InvalidArgument 400, NotFound 404, Unavailable 502 (the upstream failed
/// or answered badly), DeadlineExceeded 504, PermissionDenied 403, FailedPrecondition 503,
/// Internal 500.
int httpStatusFor(StatusCode code);

/// textReply(httpStatusFor(status.code()), status.message()).
HttpReply errorReply(const Status& status);

/// text::oneLine (the one sanitizer) with a default cap for HTTP messages: text from peers and
/// clients can go into a reply body or a log line.
std::string oneLine(std::string_view text, std::size_t max_length = 300);

}  // namespace fibdns::http
