#include "fibdns/authority/lab_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_record_repository.h"

namespace fibdns::authority {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;

dns::ARecord record(std::string name, std::uint8_t last_octet, std::uint32_t ttl) {
  return {std::move(name), dns::Ipv4Address{{10, 0, 0, last_octet}}, ttl};
}

class LabHandlerTest : public ::testing::Test {
 protected:
  std::string send(std::string_view request) { return handler_.handle(request); }
  void givenCached(const dns::ARecord& r) { cache_.put(r); }

  StrictMock<MockRecordRepository> repository_;
  RecordCache cache_;
  LabHandler handler_{repository_, cache_};
};

TEST_F(LabHandlerTest, RegistrationUpsertsTheNormalisedRecordOnce) {
  EXPECT_CALL(repository_, upsert(record("fibonacci.com", 2, 10))).WillOnce(Return(Status::ok()));
  EXPECT_CALL(repository_, changeSerial()).WillOnce(Return(Result<std::uint32_t>(7U)));

  EXPECT_EQ(send("TYPE=A\nNAME=FibOnacci.COM.\nVALUE=10.0.0.2\nTTL=10\n"),
            "Registration Succeeded!");
  ASSERT_NE(cache_.find("fibonacci.com"), nullptr);
  EXPECT_EQ(cache_.find("fibonacci.com")->address.toString(), "10.0.0.2");
  EXPECT_EQ(cache_.serial(), 7U);
}

TEST_F(LabHandlerTest, StoreFailureFailsTheRegistrationAndLeavesTheCacheAlone) {
  EXPECT_CALL(repository_, upsert(_)).WillOnce(Return(unavailable("database is locked")));

  const std::string reply = send("TYPE=A\nNAME=a.com\nVALUE=10.0.0.1\nTTL=5\n");
  EXPECT_EQ(reply, "Registration Failed!\nstore unavailable: database is locked");
  EXPECT_EQ(cache_.find("a.com"), nullptr);
}

TEST_F(LabHandlerTest, QueryIsAnsweredFromTheCacheWithoutTouchingTheStore) {
  givenCached(record("fibonacci.com", 2, 10));
  // StrictMock: any repository call here fails the test.
  EXPECT_EQ(send("TYPE=A\nNAME=FIBONACCI.com\n"),
            "TYPE=A\nNAME=fibonacci.com\nVALUE=10.0.0.2\nTTL=10\n");
}

TEST_F(LabHandlerTest, UnknownNameIsNotFound) {
  EXPECT_EQ(send("TYPE=A\nNAME=nowhere.com\n"), "NOT FOUND!");
}

TEST_F(LabHandlerTest, MalformedRequestIsABadRequestAndNeverReachesTheStore) {
  EXPECT_EQ(send("NAME=a.com\nNAME=b.com\n").rfind("BAD REQUEST!\n", 0), 0U);
  EXPECT_EQ(send("").rfind("BAD REQUEST!\n", 0), 0U);
}

TEST_F(LabHandlerTest, InvalidRegistrationIsRejectedWithoutTouchingTheStore) {
  EXPECT_EQ(send("TYPE=A\nNAME=a.com\nVALUE=256.1.1.1\nTTL=5\n").rfind("Registration Failed!\n", 0),
            0U);
}

TEST_F(LabHandlerTest, BatchCommitsAllRegistrationsInOneTransactionBeforeAnswering) {
  givenCached(record("old.com", 9, 1));
  EXPECT_CALL(repository_, upsertAll(ElementsAre(record("a.com", 1, 5), record("b.com", 2, 6))))
      .WillOnce(Return(Status::ok()));
  EXPECT_CALL(repository_, changeSerial()).WillOnce(Return(Result<std::uint32_t>(3U)));

  const std::vector<std::string_view> requests = {
      "TYPE=A NAME=a.com VALUE=10.0.0.1 TTL=5",
      "TYPE=A\nNAME=b.com\n",  // a query after a registration in the same batch sees it
      "TYPE=A NAME=b.com VALUE=10.0.0.2 TTL=6",
      "garbage",
      "TYPE=A\nNAME=old.com\n",
  };
  std::vector<std::string> replies(requests.size());
  handler_.handleBatch(requests, replies);

  EXPECT_EQ(replies[0], "Registration Succeeded!");
  EXPECT_EQ(replies[1], "TYPE=A\nNAME=b.com\nVALUE=10.0.0.2\nTTL=6\n");
  EXPECT_EQ(replies[2], "Registration Succeeded!");
  EXPECT_EQ(replies[3].rfind("BAD REQUEST!\n", 0), 0U);
  EXPECT_EQ(replies[4], "TYPE=A\nNAME=old.com\nVALUE=10.0.0.9\nTTL=1\n");
}

TEST_F(LabHandlerTest, FailedBatchCommitFailsEveryRegistrationButStillAnswersQueries) {
  givenCached(record("old.com", 9, 1));
  EXPECT_CALL(repository_, upsertAll(_)).WillOnce(Return(unavailable("disk I/O error")));

  const std::vector<std::string_view> requests = {
      "TYPE=A NAME=a.com VALUE=10.0.0.1 TTL=5",
      "TYPE=A NAME=b.com VALUE=10.0.0.2 TTL=6",
      "TYPE=A NAME=old.com",
  };
  std::vector<std::string> replies(requests.size());
  handler_.handleBatch(requests, replies);

  EXPECT_EQ(replies[0], "Registration Failed!\nstore unavailable: disk I/O error");
  EXPECT_EQ(replies[1], "Registration Failed!\nstore unavailable: disk I/O error");
  EXPECT_EQ(replies[2], "TYPE=A\nNAME=old.com\nVALUE=10.0.0.9\nTTL=1\n");
  EXPECT_EQ(cache_.find("a.com"), nullptr);
}

TEST_F(LabHandlerTest, LatestRegistrationOfANameWins) {
  InSequence order;
  EXPECT_CALL(repository_, upsert(record("a.com", 1, 5))).WillOnce(Return(Status::ok()));
  EXPECT_CALL(repository_, changeSerial()).WillOnce(Return(Result<std::uint32_t>(2U)));
  EXPECT_CALL(repository_, upsert(record("a.com", 2, 7))).WillOnce(Return(Status::ok()));
  EXPECT_CALL(repository_, changeSerial()).WillOnce(Return(Result<std::uint32_t>(3U)));

  EXPECT_EQ(send("TYPE=A NAME=a.com VALUE=10.0.0.1 TTL=5"), "Registration Succeeded!");
  EXPECT_EQ(send("TYPE=A NAME=a.com VALUE=10.0.0.2 TTL=7"), "Registration Succeeded!");
  EXPECT_EQ(send("TYPE=A NAME=a.com"), "TYPE=A\nNAME=a.com\nVALUE=10.0.0.2\nTTL=7\n");
}

}  // namespace
}  // namespace fibdns::authority
