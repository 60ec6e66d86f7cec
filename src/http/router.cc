#include "fibdns/http/router.h"

#include <exception>
#include <utility>

#include "fibdns/common/logging.h"

namespace fibdns::http {

void Router::add(std::string method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

void Router::addWithSlash(const std::string& method, const std::string& path,
                          const Handler& handler) {
  add(method, path, handler);
  add(method, path + "/", handler);
}

HttpReply Router::dispatch(const HttpRequest& request) const {
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != request.path) {
      continue;
    }
    if (route.method == request.method) {
      try {
        return route.handler(request);
      } catch (const std::exception& e) {
        log::error("http", "handler for " + route.path + " threw: " + oneLine(e.what()));
        return textReply(500, "internal error");
      }
    }
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += route.method;
  }
  if (allow.empty()) {
    return textReply(404, "not found: " + oneLine(request.path, 100));
  }
  HttpReply reply = textReply(405, "method " + oneLine(request.method, 20) + " not allowed on " +
                                       oneLine(request.path, 100) + " (allowed: " + allow + ")");
  reply.allow = allow;
  return reply;
}

}  // namespace fibdns::http
