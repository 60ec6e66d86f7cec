#include "fibdns/transfer/notify_scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace fibdns::transfer {
namespace {

using std::chrono::milliseconds;
using Clock = NotifyScheduler::Clock;

class NotifySchedulerTest : public ::testing::Test {
 protected:
  NotifySchedulerTest() : scheduler_(2, 1) {}

  // The fake clock: time moves only when the test says so.
  void advance(milliseconds step) { now_ += step; }
  std::vector<NotifySend> due() { return scheduler_.due(now_); }
  std::vector<NotifySend> dueFor(std::size_t secondary) {
    std::vector<NotifySend> mine;
    for (const NotifySend& send : due()) {
      if (send.target.secondary == secondary) {
        mine.push_back(send);
      }
    }
    return mine;
  }

  static constexpr NotifyTarget kFirst{0, 0};
  static constexpr NotifyTarget kSecond{1, 0};

  NotifyScheduler scheduler_;
  Clock::time_point now_{};  // the epoch: any fixed origin works
};

TEST_F(NotifySchedulerTest, NothingToDoBeforeAChange) {
  EXPECT_TRUE(due().empty());
  EXPECT_FALSE(scheduler_.nextWakeUp().has_value());
}

TEST_F(NotifySchedulerTest, ChangeIsSentAtOnceToEverySecondary) {
  scheduler_.zoneChanged(0, 5, now_);
  EXPECT_EQ(scheduler_.nextWakeUp(), now_);
  const auto sends = due();
  ASSERT_EQ(sends.size(), 2U);
  EXPECT_EQ(sends[0].target, kFirst);
  EXPECT_EQ(sends[1].target, kSecond);
  EXPECT_EQ(sends[0].serial, 5U);
  EXPECT_EQ(sends[0].attempt, 1U);
  EXPECT_TRUE(scheduler_.status(kFirst).in_flight);
  EXPECT_TRUE(due().empty());  // nothing more until an answer or a timeout
}

TEST_F(NotifySchedulerTest, AtMostOneInFlightWhileTheSerialMoves) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(due().size(), 2U);
  scheduler_.zoneChanged(0, 6, now_);
  scheduler_.zoneChanged(0, 7, now_);
  advance(milliseconds(500));
  EXPECT_TRUE(due().empty());
  EXPECT_EQ(scheduler_.status(kFirst).in_flight_serial, 5U);
}

TEST_F(NotifySchedulerTest, AcknowledgedWhileTheSerialMovedSendsTheNewestAtOnce) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(due().size(), 2U);
  scheduler_.zoneChanged(0, 7, now_);
  advance(milliseconds(30));
  scheduler_.acknowledged(kFirst, 5, now_);
  EXPECT_EQ(scheduler_.status(kFirst).acknowledged_serial, 5U);
  const auto sends = dueFor(0);
  ASSERT_EQ(sends.size(), 1U);
  EXPECT_EQ(sends[0].serial, 7U);
  EXPECT_EQ(sends[0].attempt, 1U);  // a new round
  scheduler_.acknowledged(kFirst, 7, now_);
  EXPECT_FALSE(scheduler_.status(kFirst).in_flight);
  EXPECT_FALSE(scheduler_.status(kFirst).waiting_to_send);
  EXPECT_TRUE(dueFor(0).empty());
}

TEST_F(NotifySchedulerTest, AcknowledgedUpToDateEndsTheRound) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(due().size(), 2U);
  scheduler_.acknowledged(kFirst, 5, now_);
  scheduler_.acknowledged(kSecond, 5, now_);
  EXPECT_FALSE(scheduler_.nextWakeUp().has_value());
  advance(milliseconds(60000));
  EXPECT_TRUE(due().empty());
}

TEST_F(NotifySchedulerTest, RetriesWithBackoffThenGivesUpAfterFiveAttempts) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(dueFor(0).size(), 1U);
  scheduler_.acknowledged(kSecond, 5, now_);  // only the first secondary is down
  const milliseconds waits[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                milliseconds(8000)};
  std::size_t attempt = 1;
  for (const milliseconds wait : waits) {
    EXPECT_EQ(scheduler_.nextWakeUp(), now_ + wait);
    advance(wait - milliseconds(1));
    EXPECT_TRUE(due().empty()) << "retried early before attempt " << attempt + 1;
    advance(milliseconds(1));
    const auto sends = due();
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].target, kFirst);
    EXPECT_EQ(sends[0].attempt, ++attempt);
    EXPECT_EQ(sends[0].serial, 5U);
  }
  EXPECT_EQ(attempt, 5U);
  advance(milliseconds(16000));  // the fifth attempt's answer is overdue
  EXPECT_TRUE(due().empty());
  const auto status = scheduler_.status(kFirst);
  EXPECT_TRUE(status.gave_up);
  EXPECT_FALSE(status.in_flight);
  EXPECT_FALSE(scheduler_.nextWakeUp().has_value());
  advance(milliseconds(3600000));
  EXPECT_TRUE(due().empty());  // given up until the next change
}

TEST_F(NotifySchedulerTest, NextChangeAfterGivingUpStartsAFreshRound) {
  NotifyPolicy policy;
  policy.max_attempts = 2;
  NotifyScheduler scheduler(1, 1, policy);
  scheduler.zoneChanged(0, 5, now_);
  ASSERT_EQ(scheduler.due(now_).size(), 1U);
  advance(milliseconds(1000));
  ASSERT_EQ(scheduler.due(now_).size(), 1U);
  advance(milliseconds(2000));
  EXPECT_TRUE(scheduler.due(now_).empty());
  EXPECT_TRUE(scheduler.status(kFirst).gave_up);
  scheduler.zoneChanged(0, 6, now_);
  const auto sends = scheduler.due(now_);
  ASSERT_EQ(sends.size(), 1U);
  EXPECT_EQ(sends[0].serial, 6U);
  EXPECT_EQ(sends[0].attempt, 1U);
  EXPECT_FALSE(scheduler.status(kFirst).gave_up);
}

TEST_F(NotifySchedulerTest, RetryCarriesTheNewestSerial) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(dueFor(0).size(), 1U);
  scheduler_.zoneChanged(0, 9, now_);
  advance(milliseconds(1000));
  const auto sends = dueFor(0);
  ASSERT_EQ(sends.size(), 1U);
  EXPECT_EQ(sends[0].serial, 9U);
  EXPECT_EQ(sends[0].attempt, 2U);
  scheduler_.acknowledged(kFirst, 5, now_);  // a late answer to the first send: stale
  EXPECT_TRUE(scheduler_.status(kFirst).in_flight);
  scheduler_.acknowledged(kFirst, 9, now_);
  EXPECT_FALSE(scheduler_.status(kFirst).in_flight);
}

TEST_F(NotifySchedulerTest, UnexpectedAcknowledgementsChangeNothing) {
  scheduler_.acknowledged(kFirst, 5, now_);
  scheduler_.acknowledged(NotifyTarget{7, 0}, 5, now_);
  scheduler_.refused(NotifyTarget{0, 3}, 5);
  EXPECT_FALSE(scheduler_.status(kFirst).acknowledged_serial.has_value());
  EXPECT_TRUE(due().empty());
}

TEST_F(NotifySchedulerTest, RefusalEndsTheRoundWithoutRetries) {
  scheduler_.zoneChanged(0, 5, now_);
  ASSERT_EQ(due().size(), 2U);
  scheduler_.refused(kFirst, 5);
  EXPECT_TRUE(scheduler_.status(kFirst).gave_up);
  advance(milliseconds(1000));
  const auto sends = due();
  ASSERT_EQ(sends.size(), 1U);  // only the second secondary's retry
  EXPECT_EQ(sends[0].target, kSecond);
}

TEST_F(NotifySchedulerTest, BackoffIsCappedByMaxTimeout) {
  NotifyPolicy policy;
  policy.max_attempts = 6;
  policy.first_timeout = milliseconds(100);
  policy.backoff_factor = 10;
  policy.max_timeout = milliseconds(2000);
  NotifyScheduler scheduler(1, 1, policy);
  scheduler.zoneChanged(0, 1, now_);
  ASSERT_EQ(scheduler.due(now_).size(), 1U);
  EXPECT_EQ(scheduler.nextWakeUp(), now_ + milliseconds(100));
  advance(milliseconds(100));
  ASSERT_EQ(scheduler.due(now_).size(), 1U);
  EXPECT_EQ(scheduler.nextWakeUp(), now_ + milliseconds(1000));
  advance(milliseconds(1000));
  ASSERT_EQ(scheduler.due(now_).size(), 1U);
  EXPECT_EQ(scheduler.nextWakeUp(), now_ + milliseconds(2000));  // 10,000 capped
}

TEST_F(NotifySchedulerTest, ZonesAreIndependent) {
  NotifyScheduler scheduler(1, 2);
  scheduler.zoneChanged(1, 3, now_);
  const auto sends = scheduler.due(now_);
  ASSERT_EQ(sends.size(), 1U);
  EXPECT_EQ(sends[0].target, (NotifyTarget{0, 1}));
  scheduler.zoneChanged(0, 3, now_);
  const auto more = scheduler.due(now_);
  ASSERT_EQ(more.size(), 1U);
  EXPECT_EQ(more[0].target, (NotifyTarget{0, 0}));
  scheduler.zoneChanged(5, 3, now_);  // out of range: ignored
  EXPECT_TRUE(scheduler.due(now_).empty());
}

}  // namespace
}  // namespace fibdns::transfer
