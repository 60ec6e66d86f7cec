#include "fibdns/engine/tcp_service.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "engine/thread_support.h"
#include "fibdns/common/logging.h"
#include "fibdns/engine/write_requests.h"

namespace fibdns::engine {

TcpService::Handler TcpService::respondWith(const authority::DnsResponder& responder) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(authority::DnsResponder::kMaxTcpMessage);
  return [&responder, buffer](std::span<const std::uint8_t> message,
                              const authority::RecordCache& zone, TcpServer::Reply& reply,
                              const Deliver& /*deliver*/) {
    const auto size = responder.respond(message, *buffer, authority::Transport::Tcp, zone);
    if (size) {
      reply.send(std::span<const std::uint8_t>(buffer->data(), *size));
    }
  };
}

TcpService::Handler TcpService::answerWith(const authority::DnsRequestHandler& dns,
                                           Writer& writer, std::chrono::milliseconds write_timeout,
                                           std::size_t max_records, RefusalLog& refusals,
                                           authority::JournalReader journal,
                                           metrics::AuthoritativeServerMetrics* metrics) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(authority::DnsResponder::kMaxTcpMessage);
  return [&dns, &writer, &refusals, write_timeout, max_records, buffer, metrics,
          journal = std::move(journal)](std::span<const std::uint8_t> message,
                                        const authority::RecordCache& zone,
                                        TcpServer::Reply& reply, const Deliver& deliver) {
    const security::IpAddress source = reply.peer().securityAddress();
    bool refused = false;
    if (dns.handleTransfer(
            message, source, authority::Transport::Tcp, unixSeconds(), zone, journal,
            [&reply](std::span<const std::uint8_t> part) { reply.send(part); }, refused)) {
      if (refused) {
        refusals.refused("a zone transfer", source);
      }
      return;
    }
    authority::DnsRequestHandler::Outcome outcome = dns.handle(
        message, source, authority::Transport::Tcp, unixSeconds(), zone, *buffer);
    if (outcome.refused_write) {
      refusals.refused("a DNS UPDATE", source);
    }
    if (outcome.update) {
      const std::uint64_t id = reply.defer();
      WriteRequest request = makeUpdateRequest(
          dns, std::move(outcome.update), SteadyClock::now() + write_timeout, max_records,
          [deliver, id](std::vector<std::uint8_t> bytes) {
            std::vector<std::vector<std::uint8_t>> messages;
            messages.push_back(std::move(bytes));
            deliver(id, std::move(messages));
          });
      if (!writer.submit(std::move(request))) {
        deliver(id, {});  // queue full: no answer; the connection goes on
      }
      return;
    }
    if (outcome.reply) {
      if (metrics != nullptr && *outcome.reply >= 4) {
        metrics->dnsQuery(metrics::DnsTransport::Tcp, (*buffer)[3] & 0x0Fu).Increment();
      }
      reply.send(std::span<const std::uint8_t>(buffer->data(), *outcome.reply));
    }
  };
}

TcpService::TcpService(std::vector<std::unique_ptr<TcpServer>> servers, Handler handler,
                       const SnapshotPublisher& publisher)
    : servers_(std::move(servers)),
      handler_(std::move(handler)),
      publisher_(publisher),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

TcpService::~TcpService() {
  stop();
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
}

void TcpService::start() { thread_ = std::thread([this] {
    detail::nameThisThread("fibdns-tcp");
    (void)requestShortTimeSlice(detail::kQueryThreadSlice);
    run();
  }); }

void TcpService::deliverLater(std::uint64_t id,
                              std::vector<std::vector<std::uint8_t>> messages) {
  {
    const std::lock_guard lock(mutex_);
    deliveries_.emplace_back(id, std::move(messages));
  }
  detail::signalEventFd(wake_fd_);
}

void TcpService::deliverQueued() {
  detail::drainEventFd(wake_fd_);
  std::vector<std::pair<std::uint64_t, std::vector<std::vector<std::uint8_t>>>> deliveries;
  {
    const std::lock_guard lock(mutex_);
    deliveries.swap(deliveries_);
  }
  for (const auto& [id, messages] : deliveries) {
    for (const auto& server : servers_) {
      if (server->deliver(id, messages)) {
        break;
      }
    }
  }
}

void TcpService::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_.store(true);
  detail::signalEventFd(wake_fd_);
  thread_.join();
}

void TcpService::run() {
  SnapshotPublisher::Reader snapshots(publisher_);
  const Deliver deliver = [this](std::uint64_t id,
                                 std::vector<std::vector<std::uint8_t>> messages) {
    deliverLater(id, std::move(messages));
  };
  const TcpServer::MessageHandler answer = [&](std::span<const std::uint8_t> message,
                                               TcpServer::Reply& reply) {
    try {
      handler_(message, snapshots.get(), reply, deliver);
    } catch (const std::exception& e) {
      // Last-resort barrier: this message gets no answer, the connection goes on.
      log::error("tcp", std::string("unexpected error while answering: ") + e.what());
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
      if (stopping_.load()) {
        return;
      }
      deliverQueued();
    }
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      servers_[i]->handle(
          std::span<const pollfd>(fds).subspan(starts[i], starts[i + 1] - starts[i]), answer);
    }
  }
}

}  // namespace fibdns::engine
