#pragma once

#include <cstdint>
#include <functional>
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

/// Usage text with one line per option, including env names and defaults.
std::string usage(std::string_view program, std::string_view description,
                  const std::vector<Option>& options);

// Strict value parsers shared by every binary (whole string, no sign, no spaces).
Result<std::uint16_t> parsePort(std::string_view text);  // 1..65535
Result<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t min, std::uint64_t max);

}  // namespace fibdns::flags
