#include "fibdns/engine/notifier.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <random>
#include <unordered_map>

#include "engine/thread_support.h"
#include "fibdns/common/logging.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/transfer/notify.h"
#include "fibdns/transfer/notify_scheduler.h"
#include "fibdns/transfer/zone_content.h"

namespace fibdns::engine {
namespace {

// Zone names as the transfer library takes them: the lookup key ("" for the root). The
// responder has validated every apex, so they parse.
std::string apexText(const std::string& apex) {
  auto name = dns::WireName::fromHostName(apex);
  return name ? std::string(name->key()) : std::string();
}

}  // namespace

Result<std::unique_ptr<Notifier>> Notifier::create(std::vector<SocketAddress> secondaries,
                                                   const authority::ZoneConfig& zones) {
  const int v4 = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int v6 = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (v4 < 0 || wake < 0) {
    return unavailable(std::string("notify socket: ") + std::strerror(errno));
  }
  return std::unique_ptr<Notifier>(new Notifier(std::move(secondaries), zones, v4, v6, wake));
}

Notifier::Notifier(std::vector<SocketAddress> secondaries, const authority::ZoneConfig& zones,
                   int v4, int v6, int wake)
    : secondaries_(std::move(secondaries)), zones_(zones), v4_fd_(v4), v6_fd_(v6), wake_fd_(wake) {}

Notifier::~Notifier() {
  stop();
  for (const int fd : {v4_fd_, v6_fd_, wake_fd_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

void Notifier::start() { thread_ = std::thread([this] {
    detail::nameThisThread("fibdns-notify");
    run();
  }); }

void Notifier::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_.store(true);
  detail::signalEventFd(wake_fd_);
  thread_.join();
}

void Notifier::changed(std::uint32_t serial) {
  {
    const std::lock_guard lock(mutex_);
    pending_serial_ = serial;
  }
  detail::signalEventFd(wake_fd_);
}

void Notifier::run() {
  using Clock = transfer::NotifyScheduler::Clock;
  std::vector<std::string> apexes;
  for (const std::string& apex : zones_.apexes) {
    apexes.push_back(apexText(apex));
  }
  transfer::NotifyScheduler scheduler(secondaries_.size(), apexes.size());
  struct InFlight {
    transfer::NotifyTarget target;
    std::uint32_t serial = 0;
  };
  std::unordered_map<std::uint16_t, InFlight> in_flight;  // by message ID
  std::mt19937 random(std::random_device{}());
  std::array<std::uint8_t, 512> buffer{};

  for (;;) {
    int timeout = -1;
    if (const auto wake_up = scheduler.nextWakeUp()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*wake_up - Clock::now()).count();
      timeout = static_cast<int>(std::clamp<long long>(left + 1, 0, 60'000));
    }
    std::array<pollfd, 3> fds = {{{wake_fd_, POLLIN, 0}, {v4_fd_, POLLIN, 0}, {v6_fd_, POLLIN, 0}}};
    const int ready = ::poll(fds.data(), v6_fd_ >= 0 ? 3 : 2, timeout);
    if (ready < 0 && errno != EINTR) {
      log::error("notify", "poll failed; NOTIFY stops");
      return;
    }
    if (stopping_.load()) {
      return;
    }
    const Clock::time_point now = Clock::now();
    if ((fds[0].revents & POLLIN) != 0) {
      detail::drainEventFd(wake_fd_);
      std::optional<std::uint32_t> serial;
      {
        const std::lock_guard lock(mutex_);
        serial = std::exchange(pending_serial_, std::nullopt);
      }
      if (serial) {
        for (std::size_t zone = 0; zone < apexes.size(); ++zone) {
          scheduler.zoneChanged(zone, *serial, now);
        }
      }
    }
    for (std::size_t i = 1; i < (v6_fd_ >= 0 ? 3U : 2U); ++i) {
      if ((fds[i].revents & POLLIN) == 0) {
        continue;
      }
      for (;;) {
        const ssize_t got = ::recv(fds[i].fd, buffer.data(), buffer.size(), 0);
        if (got < 0) {
          break;
        }
        if (got < 2) {
          continue;
        }
        const auto id = static_cast<std::uint16_t>((buffer[0] << 8) | buffer[1]);
        const auto it = in_flight.find(id);
        if (it == in_flight.end()) {
          continue;
        }
        const auto reply = transfer::classifyNotifyReply(
            std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(got)), id,
            apexes[it->second.target.zone]);
        if (reply == transfer::NotifyReply::Acknowledged) {
          scheduler.acknowledged(it->second.target, it->second.serial, now);
          in_flight.erase(it);
        } else if (reply == transfer::NotifyReply::Refused) {
          log::warn("notify", "secondary " + secondaries_[it->second.target.secondary].toString() +
                                  " refused the NOTIFY for zone '" +
                                  apexes[it->second.target.zone] + "'");
          scheduler.refused(it->second.target, it->second.serial);
          in_flight.erase(it);
        }
      }
    }
    for (const transfer::NotifySend& send : scheduler.due(now)) {
      const SocketAddress& secondary = secondaries_[send.target.secondary];
      const auto id = static_cast<std::uint16_t>(random());
      transfer::ApexRecords soa;
      soa.primary_ns = zones_.primary_ns;
      soa.hostmaster = zones_.hostmaster;
      soa.serial = send.serial;
      soa.soa_ttl = zones_.soa_ttl;
      soa.refresh = zones_.refresh;
      soa.retry = zones_.retry;
      soa.expire = zones_.expire;
      soa.minimum = zones_.minimum;
      const auto size = transfer::writeNotify(id, apexes[send.target.zone], soa, buffer);
      if (!size) {
        continue;
      }
      const int fd = secondary.family() == AF_INET6 ? v6_fd_ : v4_fd_;
      (void)::sendto(fd, buffer.data(), *size, MSG_NOSIGNAL, secondary.get(), secondary.length);
      if (in_flight.size() > 4096) {
        in_flight.clear();  // only stale IDs can pile up this far; the scheduler retries
      }
      in_flight[id] = {send.target, send.serial};
      if (send.attempt > 1) {
        log::debug("notify", "NOTIFY to " + secondary.toString() + " again (attempt " +
                                 std::to_string(send.attempt) + ")");
      }
    }
  }
}

}  // namespace fibdns::engine
