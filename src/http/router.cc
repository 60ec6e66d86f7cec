#include "fibdns/http/router.h"

#include <exception>
#include <memory>
#include <utility>

#include "fibdns/common/logging.h"

namespace fibdns::http {

void Router::add(std::string method, std::string path, Handler handler) {
  addAsync(std::move(method), std::move(path),
           [handler = std::move(handler)](const HttpRequest& request, Respond respond) {
             respond(handler(request));
           });
}

void Router::addAsync(std::string method, std::string path, AsyncHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

void Router::addWithSlash(const std::string& method, const std::string& path,
                          const Handler& handler) {
  add(method, path, handler);
  add(method, path + "/", handler);
}

void Router::addAsyncWithSlash(const std::string& method, const std::string& path,
                               const AsyncHandler& handler) {
  addAsync(method, path, handler);
  addAsync(method, path + "/", handler);
}

void Router::dispatch(const HttpRequest& request, Respond respond) const {
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != request.path) {
      continue;
    }
    if (route.method == request.method) {
      // The barrier: a throw before the handler responded becomes a 500; after, it is only
      // logged (the client has its answer).
      auto responded = std::make_shared<bool>(false);
      try {
        route.handler(request, [responded, respond](HttpReply reply) {
          *responded = true;
          respond(std::move(reply));
        });
      } catch (const std::exception& e) {
        log::error("http", "handler for " + route.path + " threw: " + oneLine(e.what()));
        if (!*responded) {
          respond(textReply(500, "internal error"));
        }
      }
      return;
    }
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += route.method;
  }
  if (allow.empty()) {
    respond(textReply(404, "not found: " + oneLine(request.path, 100)));
    return;
  }
  HttpReply reply = textReply(405, "method " + oneLine(request.method, 20) + " not allowed on " +
                                       oneLine(request.path, 100) + " (allowed: " + allow + ")");
  reply.allow = allow;
  respond(std::move(reply));
}

HttpReply Router::dispatchNow(const HttpRequest& request) const {
  // Shared, so that a handler answering late writes into live memory (and is ignored).
  auto answer = std::make_shared<std::optional<HttpReply>>();
  dispatch(request, [answer](HttpReply reply) {
    if (!*answer) {
      *answer = std::move(reply);
    }
  });
  return *answer ? **std::move(answer) : textReply(500, "internal error: no synchronous answer");
}

}  // namespace fibdns::http
