#include "fibdns/http/user_service.h"

namespace fibdns::http {

Result<Resolution> UserService::resolve(const UserRequest& request) const {
  if (options_.cache) {
    if (auto cached = cache_.find(request.as, request.hostname)) {
      return *std::move(cached);
    }
  }
  auto resolution = dns_.resolve(request.as, request.hostname);
  if (resolution && options_.cache) {
    cache_.put(request.as, request.hostname, *resolution);
  }
  return resolution;
}

HttpReply UserService::fibonacci(const RawUserQuery& query) const {
  auto request = validateUserQuery(query);
  if (!request) {
    return errorReply(request.status());
  }
  auto resolution = resolve(*request);
  if (!resolution) {
    return errorReply(resolution.status());
  }
  auto response = fibonacci_.fetch(resolution->address, request->fs_port, request->number);
  if (!response) {
    return errorReply(response.status());
  }
  HttpReply reply;
  reply.status = response->status;
  reply.body = std::move(response->body);
  if (!response->content_type.empty()) {
    reply.content_type = std::move(response->content_type);
  }
  return reply;
}

}  // namespace fibdns::http
