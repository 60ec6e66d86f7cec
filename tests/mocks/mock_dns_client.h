#pragma once

#include <gmock/gmock.h>

#include "fibdns/http/dns_client.h"

namespace fibdns::http {

class MockDnsClient : public DnsClient {
 public:
  MOCK_METHOD(Result<Resolution>, resolve, (const net::AsEndpoint& as, const std::string& hostname),
              (const, override));
};

}  // namespace fibdns::http
