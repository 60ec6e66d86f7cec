// update-load: a bounded load client for TSIG-signed DNS UPDATE (RFC 2136, RFC 8945) over UDP.
//
//   update-load --target 127.0.0.1:PORT --zone fib.test --keyfile FILE [--key NAME]
//               [--seconds 5] [--writers 1,16] [--timeout-ms 2000] [--label L]
//               [--names-out FILE]
//
// For each writer count W (in turn): W threads, each with its own socket, send one UPDATE at a
// time, every one adding one A record (TTL 300) for a name no one used before
// (u-L-wW-T-N.ZONE), signed with hmac-sha256 (or the key's algorithm), and wait for the reply
// before the next. An update counts as acknowledged only when its reply has the request's ID,
// QR set, opcode UPDATE, RCODE NOERROR and a TSIG whose MAC verifies (so the server took it; both
// servers compared acknowledge only after the change is committed). Failures are counted apart:
// other RCODEs (by name), no reply within --timeout-ms (default 2000, at most 10000), replies that
// do not parse or do not match, and NOERROR replies with a missing or wrong TSIG.
//
// Prints one line per writer count:
//   writers=W seconds=S acknowledged=N per_second=R rcode_errors=E (NAME:count,...) unanswered=U
//   bad_reply=B bad_tsig=T p50_ms= p99_ms= max_ms=
// and, with --names-out, appends "name address" for every acknowledged update to FILE (written
// after the run, nothing is written while the load runs).
//
// Packets and MACs: tests/support/dns_packets (buildUpdate, signMessage, tsigMac: OpenSSL HMAC);
// the key file is read with fibdns_security's parseTsigKeyFile (tsig-keygen's format). Every
// loop is bounded by time (--seconds, at most 60) and count; traffic goes only to --target.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fibdns/security/tsig_keyfile.h"
#include "support/dns_packets.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace tu = fibdns::testutil;

constexpr long kMaxPerWriter = 1'000'000;  // hard cap on top of the time bound

struct Key {
  std::string name;       // presentation form, no trailing dot
  std::string algorithm;  // "hmac-sha256"
  tu::Bytes secret;
};

struct WriterResult {
  long acknowledged = 0;
  std::array<long, 16> rcodes{};  // replies with that RCODE other than NOERROR
  long unanswered = 0;
  long bad_reply = 0;
  long bad_tsig = 0;
  std::vector<long> latency_us;  // acknowledged updates only
  std::vector<std::string> names;  // "name address", acknowledged only
};

const char* rcodeName(std::size_t rcode) {
  static const char* const kNames[16] = {"NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN",
                                         "NOTIMP",  "REFUSED",  "YXDOMAIN", "YXRRSET",
                                         "NXRRSET", "NOTAUTH",  "NOTZONE",  "RCODE11",
                                         "RCODE12", "RCODE13",  "RCODE14",  "RCODE15"};
  return kNames[rcode & 15];
}

// The key's name in presentation form from its wire form (labels joined by dots).
std::string nameText(std::span<const std::uint8_t> wire) {
  std::string out;
  for (std::size_t i = 0; i < wire.size() && wire[i] != 0; i += 1 + wire[i]) {
    if (!out.empty()) {
      out += '.';
    }
    out.append(reinterpret_cast<const char*>(wire.data()) + i + 1, wire[i]);
  }
  return out;
}

bool loadKey(const std::string& path, const std::string& wanted, Key& key) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto keys = fibdns::security::parseTsigKeyFile(text);
  if (!keys) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), keys.status().message().c_str());
    return false;
  }
  for (const auto& k : *keys) {
    std::string name = nameText(k.name.wire());
    if (wanted.empty() || name == wanted) {
      key.name = std::move(name);
      key.algorithm = std::string(fibdns::security::tsigAlgorithmName(k.algorithm));
      key.secret.assign(k.secret.begin(), k.secret.end());
      return true;
    }
  }
  std::fprintf(stderr, "%s: no key named %s\n", path.c_str(), wanted.c_str());
  return false;
}

int connectedSocket(const sockaddr_in& target) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    std::perror("socket/connect");
    std::exit(1);
  }
  return fd;
}

// Whether `reply` (with its TSIG as the last record) carries a valid TSIG for the request whose
// MAC was `request_mac` (RFC 8945 §5.3: the reply's MAC covers the request MAC first).
bool replyTsigValid(const tu::Response& reply, std::span<const std::uint8_t> bytes, const Key& key,
                    const tu::Bytes& request_mac) {
  if (reply.additional.empty() || reply.additional.back().type != 250) {
    return false;
  }
  const auto fields = tu::decodeTsig(reply.additional.back());
  if (!fields || fields->error != 0) {
    return false;
  }
  tu::TsigSpec spec;
  spec.key_name = key.name;
  spec.algorithm = fields->algorithm;
  spec.secret = key.secret;
  spec.time_signed = fields->time_signed;
  spec.fudge = fields->fudge;
  spec.original_id = fields->original_id;
  spec.error = fields->error;
  spec.other = fields->other;
  spec.prior_mac = request_mac;
  return tu::tsigMac(tu::withoutLastRecord(bytes), spec) == fields->mac;
}

WriterResult runWriter(const sockaddr_in& target, const std::string& zone, const Key& key,
                       const std::string& prefix, int writer, Clock::time_point end,
                       int timeout_ms) {
  WriterResult result;
  const int fd = connectedSocket(target);
  std::uint8_t buffer[65535];
  auto id = static_cast<std::uint16_t>(writer * 4099 + 1);
  for (long n = 0; n < kMaxPerWriter && Clock::now() < end; ++n) {
    ++id;
    const std::string name = prefix + "-" + std::to_string(writer) + "-" + std::to_string(n) + "." + zone;
    const std::string address = "10." + std::to_string((n >> 16) & 255) + "." +
                                std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255);
    tu::UpdateSpec update;
    update.id = id;
    update.zone = zone;
    update.updates.push_back({name, 1, 1, 300, tu::ipv4Rdata(address)});
    const tu::Bytes message = tu::buildUpdate(update);
    tu::TsigSpec tsig;
    tsig.key_name = key.name;
    tsig.algorithm = key.algorithm;
    tsig.secret = key.secret;
    tsig.time_signed = static_cast<std::uint64_t>(std::time(nullptr));
    const tu::Bytes mac = tu::tsigMac(message, tsig);
    tsig.mac = mac;
    const tu::Bytes request = tu::signMessage(message, tsig);

    // A reply that came after its deadline must not count for this request.
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
    const auto sent_at = Clock::now();
    if (::send(fd, request.data(), request.size(), 0) < 0) {
      ++result.unanswered;
      continue;
    }
    const auto deadline = sent_at + std::chrono::milliseconds(timeout_ms);
    bool done = false;
    while (!done) {  // bounded by the deadline: every pass waits, or consumes a datagram
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd pfd{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) {
        ++result.unanswered;
        break;
      }
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        continue;
      }
      const std::span<const std::uint8_t> bytes(buffer, static_cast<std::size_t>(got));
      const auto reply = tu::parseResponse(bytes);
      if (reply && reply->id != id) {
        continue;  // a late reply to an earlier request of this writer
      }
      done = true;
      if (!reply || !reply->qr || reply->opcode != 5) {
        ++result.bad_reply;
      } else if (reply->rcode != 0) {
        ++result.rcodes[reply->rcode & 15];
      } else if (!replyTsigValid(*reply, bytes, key, mac)) {
        ++result.bad_tsig;
      } else {
        ++result.acknowledged;
        result.latency_us.push_back(static_cast<long>(
            std::chrono::duration<double, std::micro>(Clock::now() - sent_at).count()));
        result.names.push_back(name + " " + address);
      }
    }
  }
  ::close(fd);
  return result;
}

bool parseTarget(const std::string& text, sockaddr_in& target) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
  return ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &target.sin_addr) == 1;
}

double percentileMs(std::vector<long>& values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return static_cast<double>(values[rank - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target_text = "127.0.0.1:53533";
  std::string zone = "fib.test";
  std::string keyfile;
  std::string key_name;
  std::string label = std::to_string(::getpid());
  std::string names_out;
  double seconds = 5;
  int timeout_ms = 2000;
  std::vector<int> writer_counts = {1, 16};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--target") {
      target_text = value;
    } else if (flag == "--zone") {
      zone = value;
    } else if (flag == "--keyfile") {
      keyfile = value;
    } else if (flag == "--key") {
      key_name = value;
    } else if (flag == "--label") {
      label = value;
    } else if (flag == "--names-out") {
      names_out = value;
    } else if (flag == "--seconds") {
      seconds = std::clamp(std::atof(value.c_str()), 0.1, 60.0);
    } else if (flag == "--timeout-ms") {
      timeout_ms = std::clamp(std::atoi(value.c_str()), 10, 10000);
    } else if (flag == "--writers") {
      writer_counts.clear();
      std::stringstream list(value);
      std::string item;
      while (std::getline(list, item, ',') && writer_counts.size() < 16) {
        writer_counts.push_back(std::clamp(std::atoi(item.c_str()), 1, 256));
      }
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  sockaddr_in target{};
  if (!parseTarget(target_text, target)) {
    std::fprintf(stderr, "bad --target %s (want IPV4:PORT)\n", target_text.c_str());
    return 2;
  }
  Key key;
  if (keyfile.empty()) {
    std::fprintf(stderr, "--keyfile is required\n");
    return 2;
  }
  if (!loadKey(keyfile, key_name, key)) {
    return 2;
  }

  for (const int writers : writer_counts) {
    const std::string prefix = "u-" + label + "-w" + std::to_string(writers);
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(seconds));
    std::vector<WriterResult> results(static_cast<std::size_t>(writers));
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        results[static_cast<std::size_t>(w)] =
            runWriter(target, zone, key, prefix, w, end, timeout_ms);
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    WriterResult total;
    for (WriterResult& r : results) {
      total.acknowledged += r.acknowledged;
      for (std::size_t c = 0; c < 16; ++c) {
        total.rcodes[c] += r.rcodes[c];
      }
      total.unanswered += r.unanswered;
      total.bad_reply += r.bad_reply;
      total.bad_tsig += r.bad_tsig;
      total.latency_us.insert(total.latency_us.end(), r.latency_us.begin(), r.latency_us.end());
    }
    long rcode_errors = 0;
    std::string by_rcode;
    for (std::size_t c = 1; c < 16; ++c) {
      if (total.rcodes[c] != 0) {
        rcode_errors += total.rcodes[c];
        by_rcode += (by_rcode.empty() ? "" : ",") + std::string(rcodeName(c)) + ":" +
                    std::to_string(total.rcodes[c]);
      }
    }
    std::vector<long>& lat = total.latency_us;
    const double p50 = percentileMs(lat, 0.50);
    const double p99 = percentileMs(lat, 0.99);
    const double max = lat.empty() ? 0 : static_cast<double>(lat.back()) / 1000.0;
    std::printf(
        "writers=%d seconds=%.2f acknowledged=%ld per_second=%.0f rcode_errors=%ld (%s) "
        "unanswered=%ld bad_reply=%ld bad_tsig=%ld p50_ms=%.2f p99_ms=%.2f max_ms=%.1f\n",
        writers, elapsed, total.acknowledged, static_cast<double>(total.acknowledged) / elapsed,
        rcode_errors, by_rcode.empty() ? "-" : by_rcode.c_str(), total.unanswered,
        total.bad_reply, total.bad_tsig, p50, p99, max);
    std::fflush(stdout);
    if (!names_out.empty()) {
      std::ofstream out(names_out, std::ios::app);
      for (const WriterResult& r : results) {
        for (const std::string& line : r.names) {
          out << line << '\n';
        }
      }
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", names_out.c_str());
        return 1;
      }
    }
  }
  return 0;
}
