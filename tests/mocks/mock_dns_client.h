#pragma once

#include <gmock/gmock.h>

#include "fibdns/http/dns_client.h"

namespace fibdns::http {

class MockDnsClient : public DnsClient {
 public:
  MOCK_METHOD(void, resolve,
              (const net::AsEndpoint& as, const std::string& hostname, ResolutionCallback done),
              (const, override));
};

}  // namespace fibdns::http
