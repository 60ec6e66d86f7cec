#include "fibdns/common/flags.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace fibdns::flags {
namespace {

struct Config {
  std::string bind;
  std::uint16_t port = 0;
  int threads = 0;
  std::chrono::milliseconds timeout{0};
  bool check = false;
};

std::vector<Option> table(Config& config) {
  return {
      ipv4Option("bind", "FIBDNS_TEST_BIND", "address", "0.0.0.0", config.bind),
      portOption("port", "FIBDNS_TEST_PORT", "port", "53533", config.port),
      unsignedOption("threads", "", "N", "threads", "2", 1, 64, config.threads),
      millisecondsOption("timeout-ms", "", "timeout", "500", 50, 10000, config.timeout),
      switchOption("check", "a switch", config.check),
  };
}

Outcome parseArgs(Config& config, std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  return parse("prog", "test", table(config), static_cast<int>(args.size()), args.data());
}

class FlagsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("FIBDNS_TEST_BIND");
    ::unsetenv("FIBDNS_TEST_PORT");
  }
  Config config_;
};

TEST_F(FlagsTest, DefaultsApplyWhenNothingIsGiven) {
  ASSERT_EQ(parseArgs(config_, {}), Outcome::Run);
  EXPECT_EQ(config_.bind, "0.0.0.0");
  EXPECT_EQ(config_.port, 53533);
  EXPECT_EQ(config_.threads, 2);
  EXPECT_EQ(config_.timeout, std::chrono::milliseconds(500));
  EXPECT_FALSE(config_.check);
}

TEST_F(FlagsTest, FlagsInBothSpellingsAndSwitches) {
  ASSERT_EQ(parseArgs(config_, {"--bind", "127.0.0.2", "--port=9", "--threads", "64",
                                "--timeout-ms=50", "--check"}),
            Outcome::Run);
  EXPECT_EQ(config_.bind, "127.0.0.2");
  EXPECT_EQ(config_.port, 9);
  EXPECT_EQ(config_.threads, 64);
  EXPECT_EQ(config_.timeout, std::chrono::milliseconds(50));
  EXPECT_TRUE(config_.check);
}

TEST_F(FlagsTest, EnvironmentFillsInAndAFlagWinsOverIt) {
  ::setenv("FIBDNS_TEST_BIND", "127.0.0.3", 1);
  ::setenv("FIBDNS_TEST_PORT", "1000", 1);
  ASSERT_EQ(parseArgs(config_, {"--port", "2000"}), Outcome::Run);
  EXPECT_EQ(config_.bind, "127.0.0.3");
  EXPECT_EQ(config_.port, 2000);
}

TEST_F(FlagsTest, BadEnvironmentValueIsAUsageError) {
  ::setenv("FIBDNS_TEST_PORT", "0", 1);
  EXPECT_EQ(parseArgs(config_, {}), Outcome::ExitUsage);
}

TEST_F(FlagsTest, EveryMalformedCommandLineIsAUsageError) {
  const std::vector<std::vector<const char*>> cases = {
      {"--port", "70000"}, {"--port", "-1"},
      {"--port", "80x"},   {"--port", ""},
      {"--port"},          {"--bind", "1.2.3"},
      {"--threads", "0"},  {"--threads", "65"},
      {"--timeout-ms=49"}, {"--check=yes"},
      {"--nope"},          {"positional"},
      {"-p", "1"},         {"--port", "1", "--port", "2"},
  };
  for (const auto& args : cases) {
    Config config;
    EXPECT_EQ(parseArgs(config, args), Outcome::ExitUsage) << args.front();
  }
}

TEST_F(FlagsTest, HelpAndVersionExitSuccessfully) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(parseArgs(config_, {"--help"}), Outcome::ExitSuccess);
  EXPECT_EQ(parseArgs(config_, {"--version"}), Outcome::ExitSuccess);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("--port PORT"), std::string::npos) << out;
  EXPECT_NE(out.find("[env FIBDNS_TEST_PORT]"), std::string::npos) << out;
}

TEST(FlagsExitCode, MapsEachOutcome) {
  EXPECT_EQ(exitCode(Outcome::Run), std::nullopt);
  EXPECT_EQ(exitCode(Outcome::ExitSuccess), 0);
  EXPECT_EQ(exitCode(Outcome::ExitUsage), 2);
}

TEST(ParseUnsigned, AcceptsOnlyWholeDecimalNumbersInRange) {
  EXPECT_EQ(*parseUnsigned("0", 0, 10), 0U);
  EXPECT_EQ(*parseUnsigned("10", 0, 10), 10U);
  EXPECT_EQ(*parseUnsigned("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
  for (const char* bad : {"", "+1", "-1", " 1", "1 ", "0x1", "1.0", "11", "18446744073709551616"}) {
    EXPECT_FALSE(parseUnsigned(bad, 0, 10).isOk()) << bad;
  }
}

}  // namespace
}  // namespace fibdns::flags
