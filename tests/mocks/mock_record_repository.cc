#include "mocks/mock_record_repository.h"

namespace fibdns::authority {

using ::testing::_;
using ::testing::Return;

// Sane defaults for NiceMock use: an empty, working store.
MockRecordRepository::MockRecordRepository() {
  ON_CALL(*this, upsert(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*this, upsertAll(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*this, find(_, _))
      .WillByDefault(Return(Result<std::optional<dns::ARecord>>(std::optional<dns::ARecord>{})));
  ON_CALL(*this, list())
      .WillByDefault(Return(Result<std::vector<dns::ARecord>>(std::vector<dns::ARecord>{})));
  ON_CALL(*this, remove(_, _)).WillByDefault(Return(Result<bool>(false)));
  ON_CALL(*this, changeSerial()).WillByDefault(Return(Result<std::uint32_t>(1U)));
}

MockRecordRepository::~MockRecordRepository() = default;

}  // namespace fibdns::authority
