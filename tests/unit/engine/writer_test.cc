#include "fibdns/engine/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "mocks/mock_record_repository.h"

namespace fibdns::engine {
namespace {

using authority::CommitResult;
using authority::MockRecordRepository;
using authority::RecordChange;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::NiceMock;
using ::testing::Return;

using namespace std::chrono_literals;

dns::ARecord record(std::string name, std::uint8_t last_octet) {
  return {std::move(name), dns::Ipv4Address{{10, 0, 0, last_octet}}, 60};
}

// What a request's `done` reported.
struct Outcome {
  Status status = internalError("not called");
  std::uint32_t serial = 0;
};

// A manual clock: the tests decide when deadlines pass.
class FakeClock {
 public:
  SteadyClock::time_point now() const {
    return SteadyClock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void advance(std::chrono::milliseconds by) { ms_ += by.count(); }

 private:
  std::atomic<std::int64_t> ms_{1'000'000};
};

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : publisher_(std::make_shared<const authority::RecordCache>()) {}

  std::unique_ptr<Writer> makeWriter(Writer::Options options = {}) {
    options.checkpoint_after_idle = options.checkpoint_after_idle.count() == 1000
                                        ? std::chrono::milliseconds(50)
                                        : options.checkpoint_after_idle;
    return std::make_unique<Writer>(repository_, authority::RecordCache(), publisher_, options,
                                    [this] { return clock_.now(); });
  }

  // A registration whose outcome lands in a future.
  WriteRequest registration(const dns::ARecord& r, std::promise<Outcome>& promise,
                            std::chrono::milliseconds timeout = 2000ms) {
    WriteRequest request;
    request.changes.push_back(RecordChange::upsert(r));
    request.deadline = clock_.now() + timeout;
    request.done = [&promise](const Status& status, std::uint32_t serial) {
      promise.set_value({status, serial});
    };
    return request;
  }

  NiceMock<MockRecordRepository> repository_;
  SnapshotPublisher publisher_;
  FakeClock clock_;
};

TEST_F(WriterTest, AcknowledgesOnlyAfterTheCommitAndAfterPublishing) {
  std::promise<Outcome> done;
  EXPECT_CALL(repository_, apply(ElementsAre(Field(&authority::ChangeSet::changes, ElementsAre(RecordChange::upsert(record("a.com", 1)))))))
      .WillOnce([&](std::span<const authority::ChangeSet>) {
        // Inside the commit: nothing is acknowledged or visible yet.
        EXPECT_EQ(publisher_.current()->find("a.com"), nullptr);
        return Result<CommitResult>(CommitResult{7, true, {7}});
      });
  auto writer = makeWriter();
  writer->start();
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), done)));

  const Outcome outcome = done.get_future().get();
  EXPECT_TRUE(outcome.status.isOk());
  EXPECT_EQ(outcome.serial, 7U);
  const auto snapshot = publisher_.current();
  ASSERT_NE(snapshot->find("a.com"), nullptr);
  EXPECT_EQ(snapshot->serial(), 7U);
}

TEST_F(WriterTest, CommitsEverythingQueuedMeanwhileInOneTransaction) {
  // The first commit is slow; the three requests that arrive during it go together next.
  std::promise<void> first_commit_started;
  std::promise<void> release_first_commit;
  auto release = release_first_commit.get_future().share();
  std::vector<std::size_t> batch_sizes;
  EXPECT_CALL(repository_, apply(_))
      .WillRepeatedly([&](std::span<const authority::ChangeSet> sets) {
        batch_sizes.push_back(sets.size() == 1 ? sets[0].changes.size() : 0);
        if (batch_sizes.size() == 1) {
          first_commit_started.set_value();
          release.wait();
        }
        const auto serial = static_cast<std::uint32_t>(batch_sizes.size());
        return Result<CommitResult>(CommitResult{serial, true, {serial}});
      });
  auto writer = makeWriter();
  writer->start();
  std::promise<Outcome> outcomes[4];
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), outcomes[0])));
  first_commit_started.get_future().wait();
  ASSERT_TRUE(writer->submit(registration(record("b.com", 2), outcomes[1])));
  ASSERT_TRUE(writer->submit(registration(record("c.com", 3), outcomes[2])));
  ASSERT_TRUE(writer->submit(registration(record("d.com", 4), outcomes[3])));
  release_first_commit.set_value();

  for (auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.get_future().get().status.isOk());
  }
  writer->stop();
  EXPECT_EQ(batch_sizes, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(publisher_.current()->size(), 4U);
  EXPECT_EQ(publisher_.current()->serial(), 2U);
}

TEST_F(WriterTest, AFailingCommitFailsItsRequestsAndPublishesNothing) {
  EXPECT_CALL(repository_, apply(_))
      .WillOnce(Return(Result<CommitResult>(unavailable("disk I/O error"))));
  auto writer = makeWriter();
  writer->start();
  std::promise<Outcome> done;
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), done)));

  const Outcome outcome = done.get_future().get();
  EXPECT_EQ(outcome.status.code(), StatusCode::Unavailable);
  EXPECT_EQ(outcome.status.message(), "disk I/O error");
  EXPECT_EQ(publisher_.current()->find("a.com"), nullptr);
}

TEST_F(WriterTest, AFullQueueRefusesAtOnce) {
  std::promise<void> commit_started;
  std::promise<void> release_commit;
  auto release = release_commit.get_future().share();
  bool first = true;
  EXPECT_CALL(repository_, apply(_)).WillRepeatedly([&](std::span<const authority::ChangeSet>) {
    if (first) {
      first = false;
      commit_started.set_value();
      release.wait();
    }
    return Result<CommitResult>(CommitResult{2, true, {2}});
  });
  auto writer = makeWriter({.queue_capacity = 2});
  writer->start();
  std::promise<Outcome> outcomes[3];
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), outcomes[0])));
  commit_started.get_future().wait();  // a.com is being committed: the queue is empty again
  EXPECT_TRUE(writer->submit(registration(record("b.com", 2), outcomes[1])));
  EXPECT_TRUE(writer->submit(registration(record("c.com", 3), outcomes[2])));
  std::promise<Outcome> refused;
  EXPECT_FALSE(writer->submit(registration(record("d.com", 4), refused)));
  release_commit.set_value();
  for (auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.get_future().get().status.isOk());
  }
}

TEST_F(WriterTest, ALockedStoreDelaysUntilTheDeadlineThenFailsWithDatabaseBusy) {
  std::atomic<int> attempts{0};
  EXPECT_CALL(repository_, apply(_)).WillRepeatedly([&](std::span<const authority::ChangeSet>) {
    if (++attempts == 3) {
      clock_.advance(1500ms);  // time passes while the store stays locked
    }
    return Result<CommitResult>(deadlineExceeded("upsert a.com A: database is locked"));
  });
  auto writer = makeWriter({.busy_retry = 1ms});
  writer->start();
  std::promise<Outcome> done;
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), done, 1000ms)));

  const Outcome outcome = done.get_future().get();
  EXPECT_EQ(outcome.status.code(), StatusCode::DeadlineExceeded);
  EXPECT_EQ(outcome.status.message(), "database busy");
  EXPECT_GE(attempts.load(), 3);
  EXPECT_EQ(publisher_.current()->find("a.com"), nullptr);
}

TEST_F(WriterTest, WritingResumesWhenTheLockIsReleased) {
  std::atomic<int> attempts{0};
  EXPECT_CALL(repository_, apply(_)).WillRepeatedly([&](std::span<const authority::ChangeSet>) {
    if (++attempts < 5) {
      return Result<CommitResult>(deadlineExceeded("database is locked"));
    }
    return Result<CommitResult>(CommitResult{3, true, {3}});
  });
  auto writer = makeWriter({.busy_retry = 1ms});
  writer->start();
  std::promise<Outcome> done;
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), done)));
  EXPECT_TRUE(done.get_future().get().status.isOk());
  EXPECT_EQ(attempts.load(), 5);
  EXPECT_NE(publisher_.current()->find("a.com"), nullptr);
}

TEST_F(WriterTest, StopDrainsEverythingQueued) {
  std::promise<void> commit_started;
  std::promise<void> release_commit;
  auto release = release_commit.get_future().share();
  bool first = true;
  EXPECT_CALL(repository_, apply(_)).WillRepeatedly([&](std::span<const authority::ChangeSet> sets) {
    if (first) {
      first = false;
      commit_started.set_value();
      release.wait();
    }
    return Result<CommitResult>(CommitResult{static_cast<std::uint32_t>(sets[0].changes.size()), true, {}});
  });
  auto writer = makeWriter();
  writer->start();
  std::vector<std::promise<Outcome>> outcomes(20);
  ASSERT_TRUE(writer->submit(registration(record("first.com", 1), outcomes[0])));
  commit_started.get_future().wait();
  for (std::size_t i = 1; i < outcomes.size(); ++i) {
    ASSERT_TRUE(writer->submit(
        registration(record("n" + std::to_string(i) + ".com", static_cast<std::uint8_t>(i)),
                     outcomes[i])));
  }
  std::thread stopper([&] { writer->stop(); });
  release_commit.set_value();
  stopper.join();  // stop() returns only after every queued request is answered

  for (auto& outcome : outcomes) {
    auto future = outcome.get_future();
    ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
    EXPECT_TRUE(future.get().status.isOk());
  }
  EXPECT_EQ(publisher_.current()->size(), 20U);
  std::promise<Outcome> late;
  EXPECT_FALSE(writer->submit(registration(record("late.com", 1), late)));
}

TEST_F(WriterTest, PlansSeeEarlierRequestsAndAFailedPlanCommitsNothingOfItsRequest) {
  // Held back until all four requests are queued, so they go in one commit.
  std::promise<void> commit_started;
  std::promise<void> release_commit;
  auto release = release_commit.get_future().share();
  std::vector<authority::ChangeSet> committed_sets;
  EXPECT_CALL(repository_, apply(_)).WillRepeatedly([&](std::span<const authority::ChangeSet> sets) {
    if (committed_sets.empty() && sets.size() == 1 && sets[0].changes.size() == 1 &&
        sets[0].changes[0].record.name == "warmup.com") {
      commit_started.set_value();
      release.wait();
      return Result<CommitResult>(CommitResult{1, true, {1}});
    }
    committed_sets.assign(sets.begin(), sets.end());
    return Result<CommitResult>(CommitResult{4, true, {2, 3, 4}});
  });
  auto writer = makeWriter();
  writer->start();
  std::promise<Outcome> warmup, lab1, update_ok, update_refused, lab2;
  ASSERT_TRUE(writer->submit(registration(record("warmup.com", 9), warmup)));
  commit_started.get_future().wait();

  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), lab1)));
  WriteRequest delete_a;  // "a.com must exist" (it does: lab1 came before), then delete it
  delete_a.deadline = clock_.now() + 2s;
  delete_a.own_serial = true;
  delete_a.plan = [](const authority::RecordCache& zone, std::vector<RecordChange>& changes) {
    if (zone.find("a.com") == nullptr) {
      return failedPrecondition("NXDOMAIN");
    }
    changes.push_back(RecordChange::remove("a.com"));
    return Status::ok();
  };
  delete_a.done = [&](const Status& s, std::uint32_t serial) { update_ok.set_value({s, serial}); };
  ASSERT_TRUE(writer->submit(std::move(delete_a)));
  WriteRequest needs_a;  // "a.com must exist": no longer, after the delete
  needs_a.deadline = clock_.now() + 2s;
  needs_a.own_serial = true;
  needs_a.plan = [](const authority::RecordCache& zone, std::vector<RecordChange>& changes) {
    if (zone.find("a.com") == nullptr) {
      return failedPrecondition("NXDOMAIN");
    }
    changes.push_back(RecordChange::upsert(record("b.com", 2)));
    return Status::ok();
  };
  needs_a.done = [&](const Status& s, std::uint32_t serial) {
    update_refused.set_value({s, serial});
  };
  ASSERT_TRUE(writer->submit(std::move(needs_a)));
  ASSERT_TRUE(writer->submit(registration(record("c.com", 3), lab2)));
  release_commit.set_value();

  EXPECT_EQ(lab1.get_future().get().serial, 2U);
  EXPECT_EQ(update_ok.get_future().get().serial, 3U);
  const Outcome refused = update_refused.get_future().get();
  EXPECT_EQ(refused.status.code(), StatusCode::FailedPrecondition);
  EXPECT_EQ(lab2.get_future().get().serial, 4U);
  writer->stop();
  // Three steps in request order: [a.com], [remove a.com], [c.com]; nothing of b.com.
  ASSERT_EQ(committed_sets.size(), 3U);
  EXPECT_THAT(committed_sets[0].changes, ElementsAre(RecordChange::upsert(record("a.com", 1))));
  EXPECT_THAT(committed_sets[1].changes, ElementsAre(RecordChange::remove("a.com")));
  EXPECT_THAT(committed_sets[2].changes, ElementsAre(RecordChange::upsert(record("c.com", 3))));
  const auto snapshot = publisher_.current();
  EXPECT_EQ(snapshot->find("a.com"), nullptr);
  EXPECT_EQ(snapshot->find("b.com"), nullptr);
  EXPECT_NE(snapshot->find("c.com"), nullptr);
}

TEST_F(WriterTest, CheckpointsWhenIdleAfterACommit) {
  std::promise<void> checkpointed;
  EXPECT_CALL(repository_, checkpoint()).WillOnce([&] {
    checkpointed.set_value();
    return Status::ok();
  });
  auto writer = makeWriter({.checkpoint_after_idle = 20ms});
  writer->start();
  std::promise<Outcome> done;
  ASSERT_TRUE(writer->submit(registration(record("a.com", 1), done)));
  EXPECT_TRUE(done.get_future().get().status.isOk());
  EXPECT_EQ(checkpointed.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(100ms);  // idle again, nothing new: no second checkpoint
  writer->stop();
}

}  // namespace
}  // namespace fibdns::engine
