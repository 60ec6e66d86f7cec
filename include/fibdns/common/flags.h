#pragma once

#include <cassert>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fibdns/common/result.h"

/// Command-line options declared once, in one table: name, environment variable, help, default.
/// Precedence: flag > environment variable > default. Each option's `apply` validates and stores.
namespace fibdns::flags {

struct Option {
  std::string name;           // without dashes: "port" is given as --port 53533 or --port=53533
  std::string env;            // environment fallback, e.g. "FIBDNS_AS_PORT"; empty for none
  std::string value_name;     // shown in --help, e.g. "PORT"; empty for a switch without value
  std::string help;           // one line
  std::string default_value;  // applied when neither flag nor env is given; empty means no default
  std::function<Status(std::string_view)> apply;  // parses and stores; InvalidArgument on bad value
};

enum class Outcome { Run, ExitSuccess, ExitUsage };

/// Parses argv against the table, handles --help and --version (printing to stdout) and reports
/// errors on stderr as "<program>: <reason>" followed by a hint. Returns what main should do:
/// Run, ExitSuccess (after --help/--version: exit 0) or ExitUsage (bad flag: exit 2).
Outcome parse(std::string_view program, std::string_view description,
              const std::vector<Option>& options, int argc, const char* const* argv);

/// What main returns for an outcome: nullopt for Run (go on), 0 after --help/--version, 2 for a
/// bad flag.
std::optional<int> exitCode(Outcome outcome);

/// Usage text with one line per option, including env names and defaults.
std::string usage(std::string_view program, std::string_view description,
                  const std::vector<Option>& options);

// Strict value parsers shared by every binary (whole string, no sign, no spaces).
Result<std::uint16_t> parsePort(std::string_view text);  // 1..65535
Result<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t min, std::uint64_t max);

// Option builders for the shapes every binary has; each stores into `target` (which must outlive
// the parse) and rejects bad values with a one-line reason.

/// --NAME IPV4: a dotted-quad IPv4 address (checked with inet_pton).
Option ipv4Option(std::string name, std::string env, std::string help, std::string default_value,
                  std::string& target);
/// --NAME PORT: 1..65535.
Option portOption(std::string name, std::string env, std::string help, std::string default_value,
                  std::uint16_t& target);
/// --NAME N: a decimal integer in min..max, stored into any integer type that holds max.
template <std::integral Int>
Option unsignedOption(std::string name, std::string env, std::string value_name, std::string help,
                      std::string default_value, std::uint64_t min, std::uint64_t max,
                      Int& target) {
  assert(max <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max()) &&
         "the range must fit the target");
  return {std::move(name),
          std::move(env),
          std::move(value_name),
          std::move(help),
          std::move(default_value),
          [&target, min, max](std::string_view value) -> Status {
            auto parsed = parseUnsigned(value, min, max);
            if (!parsed) {
              return parsed.status();
            }
            target = static_cast<Int>(*parsed);
            return Status::ok();
          }};
}
/// --NAME MS: a duration in whole milliseconds, min..max.
Option millisecondsOption(std::string name, std::string env, std::string help,
                          std::string default_value, std::uint64_t min, std::uint64_t max,
                          std::chrono::milliseconds& target);
/// --log-level LEVEL: sets the logging facade's level.
Option logLevelOption(std::string env);
/// --NAME without a value: sets `target` to true.
Option switchOption(std::string name, std::string help, bool& target);

}  // namespace fibdns::flags
