#include "fibdns/transfer/transfer_stream.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/dns_packets.h"

namespace fibdns::transfer {
namespace {

using testutil::Bytes;
using testutil::Record;
using testutil::Response;

constexpr std::uint16_t kA = 1;
constexpr std::uint16_t kNs = 2;
constexpr std::uint16_t kSoa = 6;
constexpr std::uint16_t kAxfr = 252;
constexpr std::uint16_t kIxfr = 251;

dns::ARecord rec(const std::string& name, std::uint8_t last_octet, std::uint32_t ttl = 10) {
  return dns::ARecord{name, dns::Ipv4Address{{10, 0, 0, last_octet}}, ttl};
}

class TransferStreamTest : public ::testing::Test {
 protected:
  // A zone "fib.test" with `count` names host000000.fib.test..., serial 12.
  ZoneContent zone(std::size_t count) {
    names_.clear();
    names_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "host%06zu.fib.test", i);
      names_.emplace_back(name);
    }
    ZoneContent content;
    content.apex = "fib.test";
    content.apex_records.primary_ns = "ns1.fib.test";
    content.apex_records.hostmaster = "hostmaster.fib.test";
    content.apex_records.serial = 12;
    for (std::size_t i = 0; i < count; ++i) {
      content.records.push_back(ARecordRef{
          names_[i],
          dns::Ipv4Address{{10, static_cast<std::uint8_t>(i >> 16),
                            static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}},
          static_cast<std::uint32_t>(i % 100)});
    }
    return content;
  }

  static TransferQuery query(const Bytes& bytes) {
    auto parsed = parseTransferQuery(bytes);
    EXPECT_TRUE(parsed.has_value());
    return parsed.value_or(TransferQuery{});
  }

  static TransferStream stream(const TransferQuery& q, TransferPlan plan, ZoneContent content,
                               std::vector<ChangeSet> chain = {}, MessageLimits limits = {}) {
    auto created = TransferStream::create(q, plan, std::move(content), std::move(chain), limits);
    EXPECT_TRUE(created.isOk()) << created.status().message();
    return std::move(created).value();
  }

  // Every message of the stream, decoded by the independent parser; raw sizes in sizes_.
  std::vector<Response> drain(TransferStream& s) {
    std::vector<Response> messages;
    sizes_.clear();
    std::vector<std::uint8_t> out;
    for (int guard = 0; guard < 100000; ++guard) {
      auto more = s.next(out);
      EXPECT_TRUE(more.isOk()) << more.status().message();
      if (!more.isOk() || !*more) {
        break;
      }
      std::string error;
      auto parsed = testutil::parseResponse(out, &error);
      EXPECT_TRUE(parsed.has_value()) << error;
      if (!parsed) {
        break;
      }
      sizes_.push_back(out.size());
      messages.push_back(std::move(*parsed));
    }
    EXPECT_TRUE(s.finished());
    return messages;
  }

  static std::vector<Record> answers(const std::vector<Response>& messages) {
    std::vector<Record> all;
    for (const Response& m : messages) {
      all.insert(all.end(), m.answers.begin(), m.answers.end());
    }
    return all;
  }

  static void expectSoa(const Record& r, std::uint32_t serial) {
    EXPECT_EQ(r.type, kSoa);
    EXPECT_EQ(r.name, "fib.test");
    EXPECT_EQ(r.serial, serial);
    EXPECT_EQ(r.target, "ns1.fib.test");
    EXPECT_EQ(r.mailbox, "hostmaster.fib.test");
  }
  static void expectA(const Record& r, const dns::ARecord& want) {
    EXPECT_EQ(r.type, kA);
    EXPECT_EQ(r.name, want.name);
    EXPECT_EQ(r.address, want.address.toString());
    EXPECT_EQ(r.ttl, want.ttl);
  }

  std::vector<std::string> names_;
  std::vector<std::size_t> sizes_;
};

TEST_F(TransferStreamTest, AxfrOfASmallZoneIsOneMessageFramedBySoa) {
  TransferStream s = stream(query(testutil::buildQuery("Fib.TEST", kAxfr, 0x4242)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(3));
  const auto messages = drain(s);
  ASSERT_EQ(messages.size(), 1U);
  const Response& m = messages[0];
  EXPECT_EQ(m.id, 0x4242);
  EXPECT_TRUE(m.qr);
  EXPECT_TRUE(m.aa);
  EXPECT_FALSE(m.tc);
  EXPECT_TRUE(m.rd);  // copied from the query
  EXPECT_EQ(m.rcode, 0);
  EXPECT_EQ(m.opcode, 0);
  EXPECT_EQ(m.question_raw, testutil::encodeName("Fib.TEST"));  // echoed byte for byte
  EXPECT_EQ(m.qtype, kAxfr);
  ASSERT_EQ(m.answers.size(), 6U);
  expectSoa(m.answers[0], 12);
  EXPECT_EQ(m.answers[0].ttl, 3600U);
  EXPECT_EQ(m.answers[0].refresh, 3600U);
  EXPECT_EQ(m.answers[0].retry, 600U);
  EXPECT_EQ(m.answers[0].expire, 1209600U);
  EXPECT_EQ(m.answers[0].minimum, 60U);
  EXPECT_EQ(m.answers[1].type, kNs);
  EXPECT_EQ(m.answers[1].name, "fib.test");
  EXPECT_EQ(m.answers[1].target, "ns1.fib.test");
  expectA(m.answers[2], rec("host000000.fib.test", 0, 0));
  expectA(m.answers[3], rec("host000001.fib.test", 1, 1));
  expectA(m.answers[4], rec("host000002.fib.test", 2, 2));
  expectSoa(m.answers[5], 12);
  EXPECT_EQ(s.recordsWritten(), 6U);
  // The question was asked in mixed case: the first SOA spells the apex in full (lower case),
  // and every later owner is at most a label and a pointer into it.
  EXPECT_EQ(m.answers[0].owner_raw, testutil::encodeName("fib.test"));
  for (std::size_t i = 1; i < m.answers.size(); ++i) {
    const Record& r = m.answers[i];
    ASSERT_GE(r.owner_raw.size(), 2U);
    EXPECT_EQ(r.owner_raw[r.owner_raw.size() - 2] & 0xC0, 0xC0) << r.name;
    EXPECT_LT(r.owner_raw.size(), testutil::encodeName(r.name).size()) << r.name;
  }
  std::vector<std::uint8_t> out{1, 2, 3};
  auto after = s.next(out);
  ASSERT_TRUE(after.isOk());
  EXPECT_FALSE(*after);
  EXPECT_TRUE(out.empty());
}

TEST_F(TransferStreamTest, LowerCaseQuestionIsThePointerTargetOfEveryOwner) {
  TransferStream s = stream(query(testutil::buildQuery("fib.test", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(2));
  const auto messages = drain(s);
  ASSERT_EQ(messages.size(), 1U);
  const Bytes pointer_to_question{0xC0, 12};
  for (const Record& r : messages[0].answers) {
    if (r.name == "fib.test") {
      EXPECT_EQ(r.owner_raw, pointer_to_question);
    } else {
      const Bytes tail(r.owner_raw.end() - 2, r.owner_raw.end());
      EXPECT_EQ(tail, pointer_to_question) << r.name;
    }
  }
}

TEST_F(TransferStreamTest, MixedCaseQuestionAcrossSmallMessagesKeepsTheZoneCase) {
  // Every message must find its own lower-case apex to point at, also after a record that
  // spelled it out was rolled back for not fitting.
  MessageLimits limits;
  limits.max_message_size = 300;
  TransferStream s = stream(query(testutil::buildQuery("fIb.TeSt", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(500), {}, limits);
  const auto messages = drain(s);
  ASSERT_GT(messages.size(), 20U);
  const auto all = answers(messages);
  ASSERT_EQ(all.size(), 503U);
  for (std::size_t i = 0; i < 500; ++i) {
    EXPECT_EQ(all[i + 2].name, names_[i]);
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_LE(sizes_[i], 300U);
    EXPECT_EQ(messages[i].question_name, "fIb.TeSt");
  }
}

TEST_F(TransferStreamTest, RootZoneTransfersNamesOfEveryTld) {
  ZoneContent root;
  root.apex = "";
  root.apex_records.primary_ns = "ns1.fibdns.invalid";
  root.apex_records.hostmaster = "hostmaster.fibdns.invalid";
  root.apex_records.serial = 7;
  names_ = {"example.com", "www.example.com", "fibonacci.org"};
  for (const std::string& name : names_) {
    root.records.push_back(ARecordRef{name, dns::Ipv4Address{{192, 0, 2, 1}}, 30});
  }
  TransferStream s = stream(query(testutil::buildQuery("", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, std::move(root));
  const auto all = answers(drain(s));
  ASSERT_EQ(all.size(), 6U);
  EXPECT_EQ(all[0].type, kSoa);
  EXPECT_EQ(all[0].name, "");
  EXPECT_EQ(all[0].serial, 7U);
  EXPECT_EQ(all[1].type, kNs);
  EXPECT_EQ(all[2].name, "example.com");
  EXPECT_EQ(all[3].name, "www.example.com");
  EXPECT_EQ(all[3].owner_raw.size(), 6U);  // "www" and a pointer to example.com
  EXPECT_EQ(all[4].name, "fibonacci.org");
  EXPECT_EQ(all[5].type, kSoa);
}

TEST_F(TransferStreamTest, AxfrOf100000NamesIsSplitIntoFullMessagesUnder64KiB) {
  constexpr std::size_t kNames = 100000;
  TransferStream s = stream(query(testutil::buildQuery("fib.test", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(kNames));
  const auto messages = drain(s);
  ASSERT_GT(messages.size(), 10U);
  std::size_t total = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_LE(sizes_[i], 65535U);
    EXPECT_EQ(messages[i].question_name, "fib.test");  // question in every message
    EXPECT_TRUE(messages[i].aa);
    EXPECT_EQ(messages[i].ancount, messages[i].answers.size());
    total += messages[i].answers.size();
    if (i + 1 < messages.size()) {
      // Full: the first record of the next message would not have fit in this one.
      const Record& next = messages[i + 1].answers.front();
      const std::size_t next_size = next.owner_raw.size() + 10 + next.rdata.size();
      EXPECT_GT(sizes_[i] + next_size, 65535U) << "message " << i << " not full";
    }
  }
  EXPECT_EQ(total, kNames + 3);
  const auto all = answers(messages);
  expectSoa(all.front(), 12);
  expectSoa(all.back(), 12);
  EXPECT_EQ(all[1].type, kNs);
  for (std::size_t i = 0; i < kNames; ++i) {
    ASSERT_EQ(all[i + 2].name, names_[i]);
    ASSERT_EQ(all[i + 2].type, kA);
  }
}

TEST_F(TransferStreamTest, ReservedTailLeavesRoomInEveryMessage) {
  MessageLimits limits;
  limits.reserved_tail = 400;  // e.g. a TSIG RR with hmac-sha512 and a long key name
  TransferStream s = stream(query(testutil::buildQuery("fib.test", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(20000), {}, limits);
  const auto messages = drain(s);
  ASSERT_GT(messages.size(), 1U);
  for (std::size_t size : sizes_) {
    EXPECT_LE(size, 65535U - 400U);
  }
  EXPECT_EQ(answers(messages).size(), 20003U);
}

TEST_F(TransferStreamTest, SmallLimitSplitsAndKeepsOrder) {
  MessageLimits limits;
  limits.max_message_size = 512;
  TransferStream s = stream(query(testutil::buildQuery("fib.test", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(100), {}, limits);
  const auto messages = drain(s);
  ASSERT_GT(messages.size(), 3U);
  for (std::size_t size : sizes_) {
    EXPECT_LE(size, 512U);
  }
  const auto all = answers(messages);
  ASSERT_EQ(all.size(), 103U);
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(all[i + 2].name, names_[i]);
  }
}

TEST_F(TransferStreamTest, EdnsQueryGetsAnOptInEveryMessage) {
  testutil::QuerySpec spec;
  spec.name = "fib.test";
  spec.qtype = kAxfr;
  spec.edns = true;
  TransferStream s = stream(query(testutil::buildQuery(spec)),
                            TransferPlan{TransferAnswer::FullZone, 0}, zone(10000));
  const auto messages = drain(s);
  ASSERT_GT(messages.size(), 1U);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_TRUE(messages[i].has_opt) << i;
    EXPECT_EQ(messages[i].arcount, 1);
    EXPECT_LE(sizes_[i], 65535U);
  }
}

TEST_F(TransferStreamTest, LimitsTooSmallForTheQuestionAreRejected) {
  MessageLimits limits;
  limits.max_message_size = 20;
  auto created =
      TransferStream::create(query(testutil::buildQuery("fib.test", kAxfr)),
                             TransferPlan{TransferAnswer::FullZone, 0}, zone(1), {}, limits);
  EXPECT_EQ(created.status().code(), StatusCode::InvalidArgument);
  limits.max_message_size = 70000;
  created = TransferStream::create(query(testutil::buildQuery("fib.test", kAxfr)),
                                   TransferPlan{TransferAnswer::FullZone, 0}, zone(1), {}, limits);
  EXPECT_EQ(created.status().code(), StatusCode::InvalidArgument);
}

TEST_F(TransferStreamTest, RecordThatCannotFitAloneIsAnError) {
  MessageLimits limits;
  limits.max_message_size = 12 + 14 + 30;  // header, question, and less than one SOA
  auto created =
      TransferStream::create(query(testutil::buildQuery("fib.test", kAxfr)),
                             TransferPlan{TransferAnswer::FullZone, 0}, zone(1), {}, limits);
  ASSERT_TRUE(created.isOk()) << created.status().message();
  std::vector<std::uint8_t> out;
  auto step = created->next(out);
  EXPECT_EQ(step.status().code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(created->finished());
}

TEST_F(TransferStreamTest, InvalidRecordNameIsAnErrorNotAGuess) {
  ZoneContent content = zone(1);
  names_.emplace_back("bad..fib.test");
  content.records.push_back(ARecordRef{names_.back(), dns::Ipv4Address{}, 1});
  TransferStream s = stream(query(testutil::buildQuery("fib.test", kAxfr)),
                            TransferPlan{TransferAnswer::FullZone, 0}, std::move(content));
  std::vector<std::uint8_t> out;
  Result<bool> step = s.next(out);
  EXPECT_EQ(step.status().code(), StatusCode::InvalidArgument);
}

class IxfrStreamTest : public TransferStreamTest {
 protected:
  // 10 -> 11: a replaced, b added, and a name of another zone; 11 -> 12: b removed, c added.
  static std::vector<ChangeSet> chain() {
    return {
        ChangeSet{10,
                  11,
                  {rec("a.fib.test", 1)},
                  {rec("a.fib.test", 2), rec("b.fib.test", 3), rec("www.other.test", 9)}},
        ChangeSet{11, 12, {rec("b.fib.test", 3)}, {rec("c.fib.test", 4)}},
    };
  }
};

TEST_F(IxfrStreamTest, IncrementalHasOneDifferenceSequencePerStep) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 10, 0x77));
  const TransferPlan plan = planTransfer(q, Transport::Tcp, 12);
  ASSERT_EQ(plan.answer, TransferAnswer::Incremental);
  TransferStream s = stream(q, plan, zone(0), chain());
  const auto messages = drain(s);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].id, 0x77);
  EXPECT_EQ(messages[0].qtype, kIxfr);
  EXPECT_TRUE(messages[0].aa);
  const auto all = answers(messages);
  ASSERT_EQ(all.size(), 11U);  // www.other.test is not in fib.test
  expectSoa(all[0], 12);
  expectSoa(all[1], 10);
  expectA(all[2], rec("a.fib.test", 1));
  expectSoa(all[3], 11);
  expectA(all[4], rec("a.fib.test", 2));
  expectA(all[5], rec("b.fib.test", 3));
  expectSoa(all[6], 11);
  expectA(all[7], rec("b.fib.test", 3));
  expectSoa(all[8], 12);
  expectA(all[9], rec("c.fib.test", 4));
  expectSoa(all[10], 12);
}

TEST_F(IxfrStreamTest, CondensedChainIsOneDifferenceSequence) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 10));
  const auto steps = chain();
  auto condensed = condense(steps);
  ASSERT_TRUE(condensed.isOk());
  TransferStream s = stream(q, TransferPlan{TransferAnswer::Incremental, 0}, zone(0),
                            {std::move(condensed).value()});
  const auto all = answers(drain(s));
  ASSERT_EQ(all.size(), 7U);
  expectSoa(all[0], 12);
  expectSoa(all[1], 10);
  expectA(all[2], rec("a.fib.test", 1));
  expectSoa(all[3], 12);
  expectA(all[4], rec("a.fib.test", 2));
  expectA(all[5], rec("c.fib.test", 4));
  expectSoa(all[6], 12);
}

TEST_F(IxfrStreamTest, ChainThatDoesNotLeadToTheZoneSerialIsRejected) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 9));
  auto created =
      TransferStream::create(q, TransferPlan{TransferAnswer::Incremental, 0}, zone(0), chain(), {});
  EXPECT_EQ(created.status().code(), StatusCode::InvalidArgument);
  const TransferQuery from10 = query(testutil::buildIxfrQuery("fib.test", 10));
  created =
      TransferStream::create(from10, TransferPlan{TransferAnswer::Incremental, 0}, zone(0), {}, {});
  EXPECT_EQ(created.status().code(), StatusCode::InvalidArgument);
}

TEST_F(IxfrStreamTest, UpToDateIsTheSingleCurrentSoa) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 12));
  TransferStream s = stream(q, planTransfer(q, Transport::Udp, 12), zone(5));
  const auto messages = drain(s);
  ASSERT_EQ(messages.size(), 1U);
  ASSERT_EQ(messages[0].answers.size(), 1U);
  expectSoa(messages[0].answers[0], 12);
  EXPECT_TRUE(messages[0].aa);
  EXPECT_FALSE(messages[0].tc);
  EXPECT_LE(sizes_[0], 512U);
}

TEST_F(IxfrStreamTest, BehindOverUdpIsTruncated) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 10, 0x99));
  TransferStream s = stream(q, planTransfer(q, Transport::Udp, 12), zone(5));
  const auto messages = drain(s);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_TRUE(messages[0].tc);
  EXPECT_EQ(messages[0].id, 0x99);
  EXPECT_EQ(messages[0].rcode, 0);
  EXPECT_EQ(messages[0].question_name, "fib.test");
  EXPECT_EQ(messages[0].qtype, kIxfr);
  EXPECT_TRUE(messages[0].answers.empty());
}

TEST_F(IxfrStreamTest, WithoutJournalTheWholeZoneComesInAxfrForm) {
  const TransferQuery q = query(testutil::buildIxfrQuery("fib.test", 3));
  const TransferPlan plan = planTransfer(q, Transport::Tcp, 12).withoutJournal();
  TransferStream s = stream(q, plan, zone(2));
  const auto all = answers(drain(s));
  ASSERT_EQ(all.size(), 5U);
  expectSoa(all[0], 12);
  EXPECT_EQ(all[1].type, kNs);
  EXPECT_EQ(all[2].name, "host000000.fib.test");
  EXPECT_EQ(all[3].name, "host000001.fib.test");
  expectSoa(all[4], 12);
}

struct RejectCase {
  const char* name;
  Bytes query;
  Transport transport;
  std::optional<std::uint32_t> zone_serial;
  std::uint8_t want_rcode;
};

class TransferRejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(TransferRejectTest, IsHeaderAndQuestionWithTheRcode) {
  const RejectCase& c = GetParam();
  const auto q = parseTransferQuery(c.query);
  ASSERT_TRUE(q.has_value());
  const TransferPlan plan = planTransfer(*q, c.transport, c.zone_serial);
  auto created = TransferStream::create(*q, plan, ZoneContent{}, {}, {});
  ASSERT_TRUE(created.isOk()) << created.status().message();
  std::vector<std::uint8_t> out;
  auto step = created->next(out);
  ASSERT_TRUE(step.isOk() && *step);
  const auto reply = testutil::parseResponse(out);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rcode, c.want_rcode);
  EXPECT_EQ(reply->id, 0x1234);
  EXPECT_TRUE(reply->qr);
  EXPECT_FALSE(reply->aa);
  EXPECT_EQ(reply->qdcount, 1);
  EXPECT_EQ(reply->ancount, 0);
  EXPECT_EQ(reply->qtype, q->question.qtype);
  step = created->next(out);
  ASSERT_TRUE(step.isOk());
  EXPECT_FALSE(*step);
}

INSTANTIATE_TEST_SUITE_P(
    Rejects, TransferRejectTest,
    ::testing::Values(RejectCase{"AxfrOverUdpNotImp", testutil::buildQuery("fib.test", kAxfr),
                                 Transport::Udp, 12, 4},
                      RejectCase{"AxfrNotApexNotAuth", testutil::buildQuery("www.fib.test", kAxfr),
                                 Transport::Tcp, std::nullopt, 9},
                      RejectCase{"IxfrWithoutSoaFormErr",
                                 testutil::buildIxfrQuery("fib.test", 1, 0x1234, false),
                                 Transport::Tcp, 12, 1}),
    [](const ::testing::TestParamInfo<RejectCase>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace fibdns::transfer
