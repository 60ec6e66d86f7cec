#pragma once

#include <gmock/gmock.h>

#include "fibdns/authority/record_repository.h"

namespace fibdns::authority {

class MockRecordRepository : public RecordRepository {
 public:
  MockRecordRepository();
  ~MockRecordRepository() override;

  MOCK_METHOD(Status, upsert, (const dns::ARecord& record), (override));
  MOCK_METHOD(Status, upsertAll, (const std::vector<dns::ARecord>& records), (override));
  MOCK_METHOD(Result<std::optional<dns::ARecord>>, find,
              (std::string_view name, dns::RecordType type), (const, override));
  MOCK_METHOD(Result<std::vector<dns::ARecord>>, list, (), (const, override));
  MOCK_METHOD(Result<bool>, remove, (std::string_view name, dns::RecordType type), (override));
  MOCK_METHOD(Result<std::uint32_t>, changeSerial, (), (const, override));
};

}  // namespace fibdns::authority
