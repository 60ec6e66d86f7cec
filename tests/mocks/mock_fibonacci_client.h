#pragma once

#include <gmock/gmock.h>

#include "fibdns/http/fibonacci_client.h"

namespace fibdns::http {

class MockFibonacciClient : public FibonacciClient {
 public:
  MOCK_METHOD(void, fetch,
              (const std::string& host, std::uint16_t port, const std::string& number,
               FibonacciCallback done),
              (const, override));
};

}  // namespace fibdns::http
