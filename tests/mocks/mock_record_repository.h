#pragma once

#include <gmock/gmock.h>

#include "fibdns/authority/record_repository.h"

namespace fibdns::authority {

class MockRecordRepository : public RecordRepository {
 public:
  MockRecordRepository();
  ~MockRecordRepository() override;

  MOCK_METHOD(Result<CommitResult>, apply, (std::span<const ChangeSet> sets), (override));
  MOCK_METHOD(Result<LoadedRecords>, loadAll, (), (const, override));
  MOCK_METHOD(Result<std::optional<dns::ARecord>>, find,
              (std::string_view name, dns::RecordType type), (const, override));
  MOCK_METHOD(Result<std::uint32_t>, changeSerial, (), (const, override));
  MOCK_METHOD(Status, checkpoint, (), (override));
};

}  // namespace fibdns::authority
