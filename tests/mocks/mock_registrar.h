#pragma once

#include <gmock/gmock.h>

#include "fibdns/http/registrar.h"

namespace fibdns::http {

class MockRegistrar : public Registrar {
 public:
  MOCK_METHOD(void, registerRecord,
              (const net::AsEndpoint& as, const dns::ARecord& record, RegistrationCallback done),
              (const, override));
};

}  // namespace fibdns::http
