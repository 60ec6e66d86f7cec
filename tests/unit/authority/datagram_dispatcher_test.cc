#include "fibdns/authority/datagram_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_record_repository.h"

namespace fibdns::authority {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(DatagramDispatcher, TextGoesToTheLabHandlerAndBinaryToTheResponder) {
  ::testing::NiceMock<MockRecordRepository> repository;
  RecordCache cache;
  LabHandler lab(repository, cache);
  std::vector<std::size_t> binary_sizes;
  DatagramDispatcher dispatcher(lab,
                                [&](std::span<const std::uint8_t> datagram, std::string& reply) {
                                  binary_sizes.push_back(datagram.size());
                                  if (datagram.size() != 3) {
                                    reply = "wire-reply";
                                  }
                                });

  const std::string dns_like("\x12\x34\x01\x00\x00\x01", 6);
  const std::string qr_set("\x80\x00\x00", 3);
  const std::vector<std::span<const std::uint8_t>> datagrams = {bytes("TYPE=A\nNAME=nowhere.com\n"),
                                                                bytes(dns_like), bytes(qr_set)};
  std::vector<std::string> replies(datagrams.size());
  dispatcher.handleBatch(datagrams, replies);

  EXPECT_EQ(replies[0], "NOT FOUND!");
  EXPECT_EQ(replies[1], "wire-reply");
  EXPECT_EQ(replies[2], "");  // the responder chose not to answer
  EXPECT_EQ(binary_sizes, (std::vector<std::size_t>{6, 3}));
}

TEST(DatagramDispatcher, WithoutAResponderBinaryIsABadRequest) {
  ::testing::NiceMock<MockRecordRepository> repository;
  RecordCache cache;
  LabHandler lab(repository, cache);
  DatagramDispatcher dispatcher(lab);

  const std::string binary("\x00\x01\xff", 3);
  const std::vector<std::span<const std::uint8_t>> datagrams = {bytes(binary)};
  std::vector<std::string> replies(1);
  dispatcher.handleBatch(datagrams, replies);
  EXPECT_EQ(replies[0].rfind("BAD REQUEST!\n", 0), 0U);
}

TEST(DatagramDispatcher, NeverAnswersAnotherServersReply) {
  ::testing::StrictMock<MockRecordRepository> repository;
  RecordCache cache;
  LabHandler lab(repository, cache);
  DatagramDispatcher dispatcher(lab);

  const std::vector<std::span<const std::uint8_t>> datagrams = {
      bytes("BAD REQUEST!\nfield without '=': hello"),
      bytes("NOT FOUND!"),
      bytes("  Registration Succeeded!"),
      bytes("Registration Failed!\nx"),
      bytes("SERVER ERROR!\ninternal error"),
      bytes("hello")};
  std::vector<std::string> replies(datagrams.size());
  dispatcher.handleBatch(datagrams, replies);
  for (std::size_t i = 0; i + 1 < replies.size(); ++i) {
    EXPECT_EQ(replies[i], "") << i;
  }
  EXPECT_EQ(replies.back().rfind("BAD REQUEST!\n", 0), 0U);  // an ordinary bad request is answered
}

}  // namespace
}  // namespace fibdns::authority
