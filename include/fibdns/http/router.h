#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/http/reply.h"

/// Request dispatch, independent of the HTTP library. Pure: the Pistache adapter builds an
/// HttpRequest view and sends what the handler responds.
namespace fibdns::http {

/// A read-only view of one request, valid only during the handler call (an asynchronous handler
/// copies what it needs before returning).
struct HttpRequest {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view path;    // without the query string
  std::string_view body;
  /// The raw (not percent-decoded) value of a query parameter; nullopt when absent.
  std::function<std::optional<std::string>(const std::string&)> query;
};

/// Sends the reply; called exactly once per request, from any thread, possibly after the handler
/// returned. Later calls are ignored by the adapter.
using Respond = std::function<void(HttpReply)>;
/// A handler that answers before it returns.
using Handler = std::function<HttpReply(const HttpRequest&)>;
/// A handler that answers later, through `respond` (e.g. when an upstream has answered).
using AsyncHandler = std::function<void(const HttpRequest&, Respond respond)>;

/// Exact-path routes. Unknown path: 404; known path, other method: 405 with Allow; a handler that
/// throws before responding: 500 (the last-resort barrier). Every error body is one line of text.
/// Routes are added before serving; dispatch() is then thread-safe (read-only).
class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  void addAsync(std::string method, std::string path, AsyncHandler handler);
  /// The same handler for `path` and `path` + "/".
  void addWithSlash(const std::string& method, const std::string& path, const Handler& handler);
  void addAsyncWithSlash(const std::string& method, const std::string& path,
                         const AsyncHandler& handler);

  void dispatch(const HttpRequest& request, Respond respond) const;
  /// For handlers that answer before they return (tests, simple routes): the reply, or a 500 if
  /// the handler had not responded when it returned.
  HttpReply dispatchNow(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace fibdns::http
