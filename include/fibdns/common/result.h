#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace fibdns {

/// Canonical error codes (a subset of Abseil's). Each edge maps them once: DNS RCODE, HTTP status,
/// lab-protocol reply.
enum class StatusCode {
  Ok,
  InvalidArgument,     // the caller's input is wrong (400, FORMERR, BAD REQUEST)
  NotFound,            // the thing asked for does not exist (404, NXDOMAIN, NOT FOUND)
  FailedPrecondition,  // the system is not in a state to do it (e.g. database newer than binary)
  Unavailable,         // a dependency failed (store, upstream); retrying may help
  DeadlineExceeded,    // a dependency did not answer in time
  PermissionDenied,    // policy forbids it (an address outside an allow-list: 403, REFUSED)
  Internal,            // a broken invariant or an unexpected library failure
};

/// Human-readable name of a code, e.g. "InvalidArgument".
const char* statusCodeName(StatusCode code);

/// An error value: a code and a one-line message. Ok has an empty message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return code_ == StatusCode::Ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  bool operator==(const Status&) const = default;

 private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

inline Status invalidArgument(std::string message) {
  return {StatusCode::InvalidArgument, std::move(message)};
}
inline Status notFound(std::string message) { return {StatusCode::NotFound, std::move(message)}; }
inline Status unavailable(std::string message) {
  return {StatusCode::Unavailable, std::move(message)};
}
inline Status deadlineExceeded(std::string message) {
  return {StatusCode::DeadlineExceeded, std::move(message)};
}
inline Status internalError(std::string message) {
  return {StatusCode::Internal, std::move(message)};
}
inline Status permissionDenied(std::string message) {
  return {StatusCode::PermissionDenied, std::move(message)};
}
inline Status failedPrecondition(std::string message) {
  return {StatusCode::FailedPrecondition, std::move(message)};
}

/// A value or an error Status (never an Ok status). Like C++23 std::expected<T, Status>.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).isOk() && "a Result holds a value or an error, not Ok");
  }

  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// The error; Ok when the result holds a value.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace fibdns
