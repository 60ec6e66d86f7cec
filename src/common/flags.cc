#include "fibdns/common/flags.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <set>

#include "fibdns/common/logging.h"
#include "fibdns/common/version.h"

namespace fibdns::flags {
namespace {

const Option* findOption(const std::vector<Option>& options, std::string_view name) {
  for (const Option& option : options) {
    if (option.name == name) {
      return &option;
    }
  }
  return nullptr;
}

Status applyValue(const Option& option, std::string_view value, std::string_view source) {
  Status status = option.apply(value);
  if (status.isOk()) {
    return status;
  }
  return invalidArgument(std::string(source) + ": " + status.message());
}

}  // namespace

std::string usage(std::string_view program, std::string_view description,
                  const std::vector<Option>& options) {
  std::string text = "Usage: " + std::string(program) + " [OPTIONS]\n" + std::string(description) +
                     "\n\nOptions (a flag wins over its environment variable):\n";
  for (const Option& option : options) {
    std::string left = "  --" + option.name;
    if (!option.value_name.empty()) {
      left += " " + option.value_name;
    }
    if (left.size() < 30) {
      left.resize(30, ' ');
    } else {
      left += "  ";
    }
    text += left + option.help;
    if (!option.default_value.empty()) {
      text += " (default " + option.default_value + ")";
    }
    if (!option.env.empty()) {
      text += " [env " + option.env + "]";
    }
    text += "\n";
  }
  text += "  --help                      print this help and exit\n";
  text += "  --version                   print the version and exit\n";
  return text;
}

Outcome parse(std::string_view program, std::string_view description,
              const std::vector<Option>& options, int argc, const char* const* argv) {
  auto fail = [&](const std::string& reason) {
    std::cerr << program << ": " << reason << "\nTry '" << program << " --help'.\n";
    return Outcome::ExitUsage;
  };
  std::set<std::string> given;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage(program, description, options);
      return Outcome::ExitSuccess;
    }
    if (arg == "--version") {
      std::cout << program << " " << version() << "\n";
      return Outcome::ExitSuccess;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return fail("unexpected argument '" + std::string(arg) + "'");
    }
    std::string_view name = arg.substr(2);
    std::string_view value;
    bool has_inline_value = false;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    const Option* option = findOption(options, name);
    if (option == nullptr) {
      return fail("unknown option '--" + std::string(name) + "'");
    }
    if (!given.insert(option->name).second) {
      return fail("option '--" + option->name + "' given twice");
    }
    if (option->value_name.empty()) {
      if (has_inline_value) {
        return fail("option '--" + option->name + "' takes no value");
      }
      value = "true";
    } else if (!has_inline_value) {
      if (i + 1 >= argc) {
        return fail("option '--" + option->name + "' needs a value (" + option->value_name + ")");
      }
      value = argv[++i];
    }
    if (Status status = applyValue(*option, value, "--" + option->name); !status.isOk()) {
      return fail(status.message());
    }
  }
  for (const Option& option : options) {
    if (given.count(option.name) != 0) {
      continue;
    }
    if (!option.env.empty()) {
      if (const char* env_value = std::getenv(option.env.c_str()); env_value != nullptr) {
        if (Status status = applyValue(option, env_value, option.env); !status.isOk()) {
          return fail(status.message());
        }
        continue;
      }
    }
    if (!option.default_value.empty()) {
      if (Status status = applyValue(option, option.default_value, "default of --" + option.name);
          !status.isOk()) {
        return fail(status.message());
      }
    }
  }
  return Outcome::Run;
}

std::optional<int> exitCode(Outcome outcome) {
  switch (outcome) {
    case Outcome::Run:
      return std::nullopt;
    case Outcome::ExitSuccess:
      return EXIT_SUCCESS;
    case Outcome::ExitUsage:
      return 2;
  }
  return 2;
}

Result<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t min, std::uint64_t max) {
  // Messages are built with append(): GCC 12 warns falsely (-Wrestrict) on chained operator+.
  auto reject = [&](std::string_view why) {
    std::string message = "'";
    message.append(text).append("' ").append(why);
    return invalidArgument(std::move(message));
  };
  auto out_of_range = [&] {
    std::string why = "is out of range ";
    why.append(std::to_string(min)).append("..").append(std::to_string(max));
    return reject(why);
  };
  if (text.empty() || text.front() < '0' || text.front() > '9') {
    return reject("is not a decimal number");
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    return out_of_range();
  }
  if (ec != std::errc() || ptr != end) {
    return reject("is not a decimal number");
  }
  if (value < min || value > max) {
    return out_of_range();
  }
  return value;
}

Option ipv4Option(std::string name, std::string env, std::string help, std::string default_value,
                  std::string& target) {
  return {std::move(name),
          std::move(env),
          "IPV4",
          std::move(help),
          std::move(default_value),
          [&target](std::string_view value) -> Status {
            const std::string text(value);
            in_addr address{};
            if (::inet_pton(AF_INET, text.c_str(), &address) != 1) {
              return invalidArgument("not an IPv4 address: '" + text + "'");
            }
            target = text;
            return Status::ok();
          }};
}

Option portOption(std::string name, std::string env, std::string help, std::string default_value,
                  std::uint16_t& target) {
  return {std::move(name),
          std::move(env),
          "PORT",
          std::move(help),
          std::move(default_value),
          [&target](std::string_view value) -> Status {
            auto port = parsePort(value);
            if (!port) {
              return port.status();
            }
            target = *port;
            return Status::ok();
          }};
}

Option millisecondsOption(std::string name, std::string env, std::string help,
                          std::string default_value, std::uint64_t min, std::uint64_t max,
                          std::chrono::milliseconds& target) {
  return {std::move(name),
          std::move(env),
          "MS",
          std::move(help),
          std::move(default_value),
          [&target, min, max](std::string_view value) -> Status {
            auto parsed = parseUnsigned(value, min, max);
            if (!parsed) {
              return parsed.status();
            }
            target = std::chrono::milliseconds(static_cast<std::int64_t>(*parsed));
            return Status::ok();
          }};
}

Option logLevelOption(std::string env) {
  return {"log-level",
          std::move(env),
          "LEVEL",
          "debug, info, warn or error",
          "info",
          [](std::string_view value) -> Status {
            log::Level level{};
            if (!log::parseLevel(value, level)) {
              return invalidArgument("unknown log level '" + std::string(value) + "'");
            }
            log::setLevel(level);
            return Status::ok();
          }};
}

Option switchOption(std::string name, std::string help, bool& target) {
  return {std::move(name), "", "", std::move(help), "", [&target](std::string_view) -> Status {
            target = true;
            return Status::ok();
          }};
}

Result<std::uint16_t> parsePort(std::string_view text) {
  auto value = parseUnsigned(text, 1, 65535);
  if (!value) {
    return invalidArgument("invalid port: " + value.status().message());
  }
  return static_cast<std::uint16_t>(*value);
}

}  // namespace fibdns::flags
