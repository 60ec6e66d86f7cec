#include "fibdns/fs/fibonacci_service.h"

#include "fibdns/fib/fibonacci.h"
#include "fibdns/http/json.h"
#include "fibdns/http/params.h"

namespace fibdns::http {

HttpReply FibonacciService::fibonacci(const std::optional<std::string>& raw_number) const {
  auto n = parseFibonacciIndex(raw_number, options_.max_number);
  if (!n) {
    return errorReply(n.status());
  }
  return textReply(200, fib::fibonacci(*n));
}

void FibonacciService::registerName(std::string_view body,
                                    std::function<void(HttpReply)> respond) const {
  if (body.size() > options_.max_body) {
    respond(textReply(413, "request body too large: " + std::to_string(body.size()) +
                               " bytes (the limit is " + std::to_string(options_.max_body) + ")"));
    return;
  }
  auto request = json::parseRegistrationRequest(body);
  if (!request) {
    respond(errorReply(request.status()));
    return;
  }
  dns::ARecord record;
  record.name = request->hostname;
  record.address = request->ip;
  record.ttl = request->ttl.value_or(options_.register_ttl);
  const net::AsEndpoint as{request->as_ip, request->as_port};
  registrar_.registerRecord(
      as, record, [record, as, respond = std::move(respond)](const Status& status) {
        if (!status.isOk()) {
          respond(errorReply(status));
          return;
        }
        respond(textReply(201, "registered " + record.name + " A " + record.address.toString() +
                                   " ttl " + std::to_string(record.ttl) + " with the AS at " +
                                   net::describe(as)));
      });
}

}  // namespace fibdns::http
