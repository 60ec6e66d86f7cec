#include "fibdns/engine/refusal_log.h"

#include "fibdns/common/logging.h"

#include <gtest/gtest.h>

namespace fibdns::engine {
namespace {

// A flood of refused writes from ever new (spoofed) sources within one minute: the table of
// sources stops at kMaxSources instead of growing with each one.
TEST(RefusalLog, TableOfSourcesStaysBoundedUnderManySources) {
  const log::Level saved = log::level();
  log::setLevel(log::Level::Error);  // 4,096 warnings would only clutter the output
  RefusalLog refusals;
  const std::size_t sources = RefusalLog::kMaxSources + 1000;
  for (std::size_t i = 0; i < sources; ++i) {
    refusals.refused("a DNS UPDATE",
                security::IpAddress::v4({10, static_cast<std::uint8_t>(i >> 16),
                                         static_cast<std::uint8_t>(i >> 8),
                                         static_cast<std::uint8_t>(i)}));
  }
  EXPECT_EQ(refusals.sourcesRemembered(), RefusalLog::kMaxSources);
  // A source already in the table is still counted, not added again.
  refusals.refused("a DNS UPDATE", security::IpAddress::v4({10, 0, 0, 0}));
  EXPECT_EQ(refusals.sourcesRemembered(), RefusalLog::kMaxSources);
  log::setLevel(saved);
}

}  // namespace
}  // namespace fibdns::engine
