#include "mocks/mock_record_repository.h"

namespace fibdns::authority {

using ::testing::_;
using ::testing::Return;

// Sane defaults for NiceMock use: an empty, working store whose serial starts at 1.
MockRecordRepository::MockRecordRepository() {
  ON_CALL(*this, apply(_)).WillByDefault(Return(Result<CommitResult>(CommitResult{2, true, {2}})));
  ON_CALL(*this, loadAll()).WillByDefault(Return(Result<LoadedRecords>(LoadedRecords{{}, {}, 1})));
  ON_CALL(*this, find(_, _)).WillByDefault([](std::string_view, dns::RecordType) {
    return Result<std::optional<dns::ARecord>>(std::optional<dns::ARecord>{});
  });
  ON_CALL(*this, changeSerial()).WillByDefault(Return(Result<std::uint32_t>(1U)));
  ON_CALL(*this, checkpoint()).WillByDefault(Return(Status::ok()));
}

MockRecordRepository::~MockRecordRepository() = default;

}  // namespace fibdns::authority
