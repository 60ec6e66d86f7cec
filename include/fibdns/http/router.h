#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/http/reply.h"

/// Request dispatch, independent of the HTTP library. Pure: the Pistache adapter builds an
/// HttpRequest view and sends back what dispatch() returns.
namespace fibdns::http {

/// A read-only view of one request, valid for the duration of the handler call.
struct HttpRequest {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view path;    // without the query string
  std::string_view body;
  /// The raw (not percent-decoded) value of a query parameter; nullopt when absent.
  std::function<std::optional<std::string>(const std::string&)> query;
};

using Handler = std::function<HttpReply(const HttpRequest&)>;

/// Exact-path routes. Unknown path: 404; known path, other method: 405 with Allow; a handler that
/// throws: 500 (the last-resort barrier). Every error body is one line of text.
/// Routes are added before serving; dispatch() is then thread-safe (read-only).
class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  /// The same handler for `path` and `path` + "/".
  void addWithSlash(const std::string& method, const std::string& path, const Handler& handler);

  HttpReply dispatch(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace fibdns::http
