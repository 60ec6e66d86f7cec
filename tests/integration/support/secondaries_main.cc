// fibdns-secondaries: the secondary harness by hand. Starts a Knot and an NSD secondary for one
// zone, pointed at a primary you name (the AS, or any primary), prints where they listen, and
// stops them on Ctrl-C / SIGTERM. For trying transfers out and for bench scripts:
//
//   fibdns-secondaries --primary 127.0.0.1@53533 --zone fib.test --key-file as-tsig.key
//   dig @127.0.0.66 -p <port printed> fib.test SOA
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/support/secondaries.h"
#include "support/temp_dir.h"

namespace {

using namespace fibdns::testing;  // NOLINT(google-build-using-namespace): a small tool

void usage() {
  std::fputs(
      "usage: fibdns-secondaries --primary IP@PORT [--zone NAME] [--ip 127.0.0.66]\n"
      "                          [--key-file PATH | --new-key | --no-key]\n"
      "                          [--nsd-reload-timeout SECONDS] [--only knot|nsd]\n"
      "  --key-file  a tsig-keygen key file shared with the primary (default: --new-key, which\n"
      "              makes one with tsig-keygen and prints where it is)\n"
      "  --no-key    unsigned transfers\n",
      stderr);
}

std::optional<DnsEndpoint> parseEndpoint(const std::string& text) {
  const std::size_t at = text.find('@');
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const int port = std::atoi(text.c_str() + at + 1);
  if (port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return DnsEndpoint{text.substr(0, at), static_cast<unsigned short>(port)};
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<DnsEndpoint> primary;
  std::string zone = "fib.test";
  std::string ip = "127.0.0.66";
  std::string key_file;
  bool new_key = true;
  std::optional<int> reload_timeout;
  std::string only;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    const bool has_value = i + 1 < args.size();
    if (flag == "--primary" && has_value) {
      primary = parseEndpoint(args[++i]);
    } else if (flag == "--zone" && has_value) {
      zone = args[++i];
    } else if (flag == "--ip" && has_value) {
      ip = args[++i];
    } else if (flag == "--key-file" && has_value) {
      key_file = args[++i];
      new_key = false;
    } else if (flag == "--new-key") {
      new_key = true;
    } else if (flag == "--no-key") {
      new_key = false;
      key_file.clear();
    } else if (flag == "--nsd-reload-timeout" && has_value) {
      reload_timeout = std::atoi(args[++i].c_str());
    } else if (flag == "--only" && has_value) {
      only = args[++i];
    } else {
      usage();
      return 2;
    }
  }
  if (!primary) {
    usage();
    return 2;
  }

  // Block the stop signals before any daemon starts; they are received in one place below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    TempDir dir;
    TsigKey key;
    if (!key_file.empty()) {
      key = readTsigKey(key_file);
    } else if (new_key) {
      key = makeTsigKey(dir.path());
    }
    std::vector<std::unique_ptr<SecondaryServer>> secondaries;
    for (const SecondaryKind kind : {SecondaryKind::Knot, SecondaryKind::Nsd}) {
      const char* name = kind == SecondaryKind::Knot ? "knot" : "nsd";
      if (!only.empty() && only != name) {
        continue;
      }
      SecondaryConfig config = secondaryConfig(kind, zone, freeDnsEndpoint(ip), *primary, key);
      config.nsd_reload_timeout_s = reload_timeout;
      secondaries.push_back(std::make_unique<SecondaryServer>(config, dir.file(name)));
      std::printf("%s %s@%u log %s/%s\n", name, config.listen.ip.c_str(), config.listen.port,
                  dir.path().c_str(), name);
    }
    if (!key.name.empty()) {
      std::printf("key %s %s %s (file %s)\n", key.name.c_str(), key.algorithm.c_str(),
                  key.secret.c_str(), key.file.c_str());
    }
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop_signals, &received);
    for (auto& secondary : secondaries) {
      secondary->stop();
      std::printf("--- %s log ---\n%s", secondary->name(), secondary->log().c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibdns-secondaries: %s\n", e.what());
    return 1;
  }
  return 0;
}
