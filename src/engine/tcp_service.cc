#include "fibdns/engine/tcp_service.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "fibdns/common/logging.h"

namespace fibdns::engine {

TcpService::TcpService(std::vector<std::unique_ptr<TcpServer>> servers,
                       const authority::DnsResponder& responder,
                       const SnapshotPublisher& publisher)
    : servers_(std::move(servers)),
      responder_(responder),
      publisher_(publisher),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

TcpService::~TcpService() {
  stop();
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
}

void TcpService::start() { thread_ = std::thread([this] { run(); }); }

void TcpService::stop() {
  if (!thread_.joinable()) {
    return;
  }
  const std::uint64_t one = 1;
  const ssize_t written = ::write(wake_fd_, &one, sizeof one);
  (void)written;  // an eventfd write of 1 cannot fail short of overflow
  thread_.join();
}

void TcpService::run() {
  SnapshotPublisher::Reader snapshots(publisher_);
  std::vector<std::uint8_t> reply(authority::DnsResponder::kMaxTcpMessage);
  const TcpServer::MessageHandler answer =
      [&](std::span<const std::uint8_t> message) -> std::optional<std::span<const std::uint8_t>> {
    try {
      const auto size =
          responder_.respond(message, reply, authority::Transport::Tcp, snapshots.get());
      if (!size) {
        return std::nullopt;
      }
      return std::span<const std::uint8_t>(reply.data(), *size);
    } catch (const std::exception& e) {
      log::error("tcp", std::string("unexpected error while answering: ") + e.what());
      return std::nullopt;
    }
  };

  std::vector<pollfd> fds;
  std::vector<std::size_t> starts;  // where each server's descriptors begin in fds
  for (;;) {
    fds.clear();
    starts.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    int timeout = -1;
    for (const auto& server : servers_) {
      starts.push_back(fds.size());
      server->appendPollFds(fds);
      const int next = server->nextTimeoutMs();
      if (next >= 0) {
        timeout = timeout < 0 ? next : std::min(timeout, next);
      }
    }
    starts.push_back(fds.size());
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      log::error("tcp", "poll failed; DNS over TCP stops");
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      return;
    }
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      servers_[i]->handle(
          std::span<const pollfd>(fds).subspan(starts[i], starts[i + 1] - starts[i]), answer);
    }
  }
}

}  // namespace fibdns::engine
