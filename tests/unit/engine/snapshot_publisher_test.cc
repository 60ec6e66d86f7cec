#include "fibdns/engine/snapshot_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

namespace fibdns::engine {
namespace {

// Run under ThreadSanitizer (CI's tsan job): a writer keeps changing its own RecordCache and
// publishing shares of it while reader threads answer from whatever they see. Every snapshot a
// reader sees must be internally consistent: serial N holds exactly the names n0..n(N-1), all
// with the address that says N-1 or less.
TEST(SnapshotPublisher, ReadersSeeWholeSnapshotsWhileTheWriterKeepsChanging) {
  constexpr std::uint32_t kVersions = 2000;
  authority::RecordCache master;
  SnapshotPublisher publisher(std::make_shared<const authority::RecordCache>(master.share()));
  constexpr int kReaders = 3;
  std::atomic<bool> done{false};
  // The writer starts once every reader has checked a snapshot, so that the changes below always
  // meet reads: on a loaded machine a new thread may first run after all 2,000 publications (CI
  // once saw a run without a single check). A reader that fails before its first check counts
  // down as it leaves, so the wait cannot hang.
  std::latch readers_reading(kReaders);

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      bool counted = false;
      const auto count_once = [&] {
        if (!counted) {
          counted = true;
          readers_reading.count_down();
        }
      };
      SnapshotPublisher::Reader reader(publisher);
      std::uint32_t last_serial = 0;
      [&] {  // ASSERT_* returns from here
        while (!done.load()) {
          const authority::RecordCache& snapshot = reader.get();
          const std::uint32_t serial = snapshot.serial();
          ASSERT_GE(serial, last_serial);  // never back in time
          last_serial = serial;
          ASSERT_EQ(snapshot.size(), serial);
          if (serial > 0) {
            const dns::ARecord* newest = snapshot.find("n" + std::to_string(serial - 1));
            ASSERT_NE(newest, nullptr);
            ASSERT_EQ(newest->ttl, serial - 1);
            ASSERT_EQ(snapshot.find("n" + std::to_string(serial)), nullptr);
            const dns::ARecord* older = snapshot.find("n" + std::to_string(serial / 2));
            ASSERT_NE(older, nullptr);  // earlier names stay in later snapshots
            ASSERT_EQ(older->ttl, serial / 2);
            ASSERT_TRUE(snapshot.hasNamesBelow(""));
          }
          count_once();
        }
      }();
      count_once();  // a reader that failed before its first check
    });
  }
  readers_reading.wait();
  for (std::uint32_t version = 0; version < kVersions; ++version) {
    master.put({"n" + std::to_string(version), dns::Ipv4Address{{10, 0, 0, 1}}, version});
    master.setSerial(version + 1);
    publisher.publish(std::make_shared<const authority::RecordCache>(master.share()));
  }
  done.store(true);
  for (auto& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(publisher.current()->size(), kVersions);
}

TEST(SnapshotPublisher, APublishedSnapshotNeverChangesAfterwards) {
  authority::RecordCache master;
  master.put({"a.com", dns::Ipv4Address{{10, 0, 0, 1}}, 60});
  SnapshotPublisher publisher(std::make_shared<const authority::RecordCache>(master.share()));
  SnapshotPublisher::Reader reader(publisher);
  const authority::RecordCache& before = reader.get();

  master.put({"a.com", dns::Ipv4Address{{10, 0, 0, 2}}, 60});
  master.put({"b.com", dns::Ipv4Address{{10, 0, 0, 3}}, 60});
  (void)master.erase("a.com");

  EXPECT_EQ(before.find("a.com")->address.octets[3], 1);  // still the old content
  EXPECT_EQ(before.find("b.com"), nullptr);
  EXPECT_EQ(&reader.get(), &before);  // nothing published yet: same snapshot
  publisher.publish(std::make_shared<const authority::RecordCache>(master.share()));
  const authority::RecordCache& after = reader.get();
  EXPECT_EQ(after.find("a.com"), nullptr);
  EXPECT_NE(after.find("b.com"), nullptr);
}

TEST(SnapshotPublisher, RetiredSnapshotsAreFreedByThePublisherNotByAReader) {
  SnapshotPublisher publisher(std::make_shared<const authority::RecordCache>());
  SnapshotPublisher::Reader reader(publisher);
  (void)reader.get();  // the reader holds the first snapshot
  std::weak_ptr<const authority::RecordCache> first = publisher.current();

  publisher.publish(std::make_shared<const authority::RecordCache>());
  EXPECT_FALSE(first.expired());  // held by the reader (and retired by the publisher)
  (void)reader.get();             // the reader moves on: the publisher still holds it...
  EXPECT_FALSE(first.expired());  // ...so the reader's thread freed nothing
  publisher.publish(std::make_shared<const authority::RecordCache>());
  EXPECT_TRUE(first.expired());  // freed by the publisher, on its own thread
}

}  // namespace
}  // namespace fibdns::engine
