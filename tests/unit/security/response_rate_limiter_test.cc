#include "fibdns/security/response_rate_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fibdns::security {
namespace {

using std::chrono::milliseconds;

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return IpAddress::v4({a, b, c, d});
}

IpAddress v6(std::initializer_list<std::uint16_t> groups) {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t i = 0;
  for (const std::uint16_t g : groups) {
    bytes[i++] = static_cast<std::uint8_t>(g >> 8);
    bytes[i++] = static_cast<std::uint8_t>(g & 0xFF);
  }
  return IpAddress::v6(bytes);
}

// The fake clock is the `now` argument: tests move it by hand.
class RrlTest : public ::testing::Test {
 protected:
  static ResponseRateLimiter limiter(std::uint32_t rate, std::uint32_t slip,
                                     std::size_t table_size = 1024) {
    RrlConfig config;
    config.responses_per_second = rate;
    config.slip = slip;
    config.table_size = table_size;
    return ResponseRateLimiter::create(config, 12345).value();
  }

  // Decisions for n replies at the same instant.
  static std::vector<RrlDecision> burst(ResponseRateLimiter& rrl, const IpAddress& source,
                                        std::size_t n, milliseconds now,
                                        ResponseClass response_class = ResponseClass::Answer) {
    std::vector<RrlDecision> out;
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(rrl.decide(source, response_class, now));
    }
    return out;
  }

  static std::size_t count(const std::vector<RrlDecision>& decisions, RrlDecision which) {
    return static_cast<std::size_t>(std::count(decisions.begin(), decisions.end(), which));
  }
};

TEST_F(RrlTest, OffSendsEverything) {
  auto rrl = limiter(0, 2);
  EXPECT_FALSE(rrl.enabled());
  EXPECT_EQ(count(burst(rrl, v4(1, 2, 3, 4), 10000, milliseconds(0)), RrlDecision::Send), 10000u);
}

TEST_F(RrlTest, RateThenEveryOtherLimitedReplySlips) {
  auto rrl = limiter(10, 2);
  const auto decisions = burst(rrl, v4(192, 0, 2, 1), 16, milliseconds(5000));
  const std::vector<RrlDecision> want = {
      RrlDecision::Send, RrlDecision::Send, RrlDecision::Send, RrlDecision::Send,
      RrlDecision::Send, RrlDecision::Send, RrlDecision::Send, RrlDecision::Send,
      RrlDecision::Send, RrlDecision::Send, RrlDecision::Drop, RrlDecision::Slip,
      RrlDecision::Drop, RrlDecision::Slip, RrlDecision::Drop, RrlDecision::Slip};
  EXPECT_EQ(decisions, want);
}

TEST_F(RrlTest, SlipZeroDropsAllAndSlipOneSlipsAll) {
  auto never = limiter(5, 0);
  const auto dropped = burst(never, v4(192, 0, 2, 1), 100, milliseconds(0));
  EXPECT_EQ(count(dropped, RrlDecision::Send), 5u);
  EXPECT_EQ(count(dropped, RrlDecision::Drop), 95u);
  auto always = limiter(5, 1);
  const auto slipped = burst(always, v4(192, 0, 2, 1), 100, milliseconds(0));
  EXPECT_EQ(count(slipped, RrlDecision::Send), 5u);
  EXPECT_EQ(count(slipped, RrlDecision::Slip), 95u);
  auto third = limiter(5, 3);
  EXPECT_EQ(count(burst(third, v4(192, 0, 2, 1), 35, milliseconds(0)), RrlDecision::Slip), 10u);
}

TEST_F(RrlTest, RefillsAtTheRate) {
  auto rrl = limiter(10, 0);
  const IpAddress source = v4(192, 0, 2, 1);
  EXPECT_EQ(count(burst(rrl, source, 10, milliseconds(1000)), RrlDecision::Send), 10u);
  EXPECT_EQ(rrl.decide(source, ResponseClass::Answer, milliseconds(1000)), RrlDecision::Drop);
  EXPECT_EQ(rrl.decide(source, ResponseClass::Answer, milliseconds(1099)), RrlDecision::Drop);
  EXPECT_EQ(rrl.decide(source, ResponseClass::Answer, milliseconds(1100)), RrlDecision::Send);
  EXPECT_EQ(rrl.decide(source, ResponseClass::Answer, milliseconds(1100)), RrlDecision::Drop);
  // Half a second: five more.
  EXPECT_EQ(count(burst(rrl, source, 20, milliseconds(1600)), RrlDecision::Send), 5u);
}

TEST_F(RrlTest, BurstIsCappedAtOneSecond) {
  auto rrl = limiter(10, 0);
  const IpAddress source = v4(192, 0, 2, 1);
  (void)burst(rrl, source, 1, milliseconds(0));
  EXPECT_EQ(count(burst(rrl, source, 100, milliseconds(60'000)), RrlDecision::Send), 10u);
}

TEST_F(RrlTest, ClockGoingBackwardsRefillsNothing) {
  auto rrl = limiter(10, 0);
  const IpAddress source = v4(192, 0, 2, 1);
  EXPECT_EQ(count(burst(rrl, source, 20, milliseconds(10'000)), RrlDecision::Send), 10u);
  EXPECT_EQ(count(burst(rrl, source, 20, milliseconds(5'000)), RrlDecision::Send), 0u);
}

TEST_F(RrlTest, OneBucketPerIpv4Slash24) {
  auto rrl = limiter(10, 0);
  EXPECT_EQ(count(burst(rrl, v4(198, 51, 100, 1), 10, milliseconds(0)), RrlDecision::Send), 10u);
  // Same /24: the bucket is empty.
  EXPECT_EQ(rrl.decide(v4(198, 51, 100, 254), ResponseClass::Answer, milliseconds(0)),
            RrlDecision::Drop);
  // Next /24: its own bucket.
  EXPECT_EQ(rrl.decide(v4(198, 51, 101, 1), ResponseClass::Answer, milliseconds(0)),
            RrlDecision::Send);
  // The same address through a dual-stack socket (::ffff:198.51.100.7).
  EXPECT_EQ(rrl.decide(v6({0, 0, 0, 0, 0, 0xFFFF, 0xC633, 0x6407}), ResponseClass::Answer,
                       milliseconds(0)),
            RrlDecision::Drop);
}

TEST_F(RrlTest, OneBucketPerIpv6Slash56) {
  auto rrl = limiter(10, 0);
  EXPECT_EQ(count(burst(rrl, v6({0x2001, 0xdb8, 0, 0x00ff, 0, 0, 0, 1}), 10, milliseconds(0)),
                  RrlDecision::Send),
            10u);
  // Differs only in the last 8 bits of the /64: same /56.
  EXPECT_EQ(rrl.decide(v6({0x2001, 0xdb8, 0, 0x0001, 0, 0, 0, 9}), ResponseClass::Answer,
                       milliseconds(0)),
            RrlDecision::Drop);
  // Differs inside the /56.
  EXPECT_EQ(rrl.decide(v6({0x2001, 0xdb8, 0, 0x0100, 0, 0, 0, 1}), ResponseClass::Answer,
                       milliseconds(0)),
            RrlDecision::Send);
}

TEST_F(RrlTest, ClassesHaveTheirOwnBuckets) {
  auto rrl = limiter(10, 0);
  const IpAddress source = v4(203, 0, 113, 5);
  EXPECT_EQ(
      count(burst(rrl, source, 50, milliseconds(0), ResponseClass::NxDomain), RrlDecision::Send),
      10u);
  for (const ResponseClass other :
       {ResponseClass::Answer, ResponseClass::NoData, ResponseClass::Error, ResponseClass::Lab}) {
    EXPECT_EQ(rrl.decide(source, other, milliseconds(0)), RrlDecision::Send);
  }
}

TEST_F(RrlTest, FullTableSharesBucketsInsteadOfGrowing) {
  // One bucket for everyone: a second network inherits the first one's empty bucket.
  auto rrl = limiter(10, 0, 1);
  EXPECT_EQ(count(burst(rrl, v4(10, 0, 0, 1), 10, milliseconds(0)), RrlDecision::Send), 10u);
  EXPECT_EQ(rrl.decide(v4(10, 9, 9, 9), ResponseClass::Answer, milliseconds(0)), RrlDecision::Drop);
  // Once the bucket has been idle a second, a newcomer gets a fresh one.
  EXPECT_EQ(count(burst(rrl, v4(10, 8, 8, 8), 20, milliseconds(1000)), RrlDecision::Send), 10u);
}

TEST_F(RrlTest, ManyNetworksStayWithinTheTable) {
  auto rrl = limiter(1, 0, 64);
  // 100,000 networks through a 64-bucket table: every decision is made, none crashes, and a
  // network that keeps sending is still limited.
  std::size_t sent = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    const IpAddress source = v4(static_cast<std::uint8_t>(i >> 16),
                                static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1);
    sent += rrl.decide(source, ResponseClass::Answer, milliseconds(0)) == RrlDecision::Send;
  }
  EXPECT_LE(sent, 100'000u);
  EXPECT_EQ(count(burst(rrl, v4(1, 1, 1, 1), 10, milliseconds(0)), RrlDecision::Send) <= 1, true);
}

TEST(RrlConfig, RejectsOutOfRangeValues) {
  RrlConfig config;
  config.responses_per_second = 10;
  config.table_size = 0;
  EXPECT_FALSE(ResponseRateLimiter::create(config, 1).isOk());
  config.table_size = 16;
  config.ipv4_prefix_length = 33;
  EXPECT_FALSE(ResponseRateLimiter::create(config, 1).isOk());
  config.ipv4_prefix_length = 24;
  config.ipv6_prefix_length = 0;
  EXPECT_FALSE(ResponseRateLimiter::create(config, 1).isOk());
  config.ipv6_prefix_length = 56;
  EXPECT_TRUE(ResponseRateLimiter::create(config, 1).isOk());
}

TEST(ClassifyDnsResponse, ByRcodeAndAnswers) {
  EXPECT_EQ(classifyDnsResponse(0, 1), ResponseClass::Answer);
  EXPECT_EQ(classifyDnsResponse(0, 0), ResponseClass::NoData);
  EXPECT_EQ(classifyDnsResponse(3, 0), ResponseClass::NxDomain);
  EXPECT_EQ(classifyDnsResponse(5, 0), ResponseClass::Error);
  EXPECT_EQ(classifyDnsResponse(1, 0), ResponseClass::Error);
}

}  // namespace
}  // namespace fibdns::security
