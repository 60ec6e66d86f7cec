#include "fibdns/engine/udp_worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <array>
#include <cstring>

#include "fibdns/authority/datagram_handler.h"
#include "fibdns/authority/lab_handler.h"
#include "engine/thread_support.h"
#include "fibdns/common/logging.h"
#include "fibdns/engine/write_requests.h"

namespace fibdns::engine {
namespace {

std::string errnoText(int error) { return std::strerror(error); }

// Batches read after stop() at most: the socket buffer's worth (4 MiB of small datagrams).
constexpr std::size_t kMaxDrainBatches = 1024;

}  // namespace

Result<std::unique_ptr<UdpWorker>> UdpWorker::bind(const SocketAddress& address,
                                                   Context context) {
  const int fd = ::socket(address.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return unavailable("cannot bind UDP " + address.toString() + ": socket: " + errnoText(errno));
  }
  std::unique_ptr<UdpWorker> worker(new UdpWorker(fd, address, context));
  const int on = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  if (address.family() == AF_INET6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  // A bigger receive buffer absorbs bursts. The kernel caps it at net.core.rmem_max.
  const int buffer_size = 4 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
  if (::bind(fd, address.get(), address.length) != 0) {
    return unavailable("cannot bind UDP " + address.toString() + ": " + errnoText(errno));
  }
  worker->address_.setPort(worker->port());
  return worker;
}

UdpWorker::UdpWorker(int fd, SocketAddress address, Context context)
    : fd_(fd),
      address_(address),
      context_(context),
      buffers_(kMaxBatch * kMaxDatagram),
      peers_(kMaxBatch),
      messages_(kMaxBatch),
      iovecs_(kMaxBatch),
      replies_(kMaxBatch) {
  for (std::size_t i = 0; i < kMaxBatch; ++i) {
    iovecs_[i] = {buffers_.data() + i * kMaxDatagram, kMaxDatagram};
    messages_[i].msg_hdr.msg_iov = &iovecs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &peers_[i];
  }
  outgoing_.reserve(kMaxBatch);
  out_iovecs_.reserve(kMaxBatch);
}

UdpWorker::~UdpWorker() {
  stop();
  ::close(fd_);
}

std::uint16_t UdpWorker::port() const {
  SocketAddress bound;
  bound.length = sizeof bound.storage;
  if (::getsockname(fd_, bound.get(), &bound.length) != 0) {
    return 0;
  }
  return bound.port();
}

void UdpWorker::start() { thread_ = std::thread([this] {
    detail::nameThisThread("fibdns-udp");
    (void)requestShortTimeSlice(detail::kQueryThreadSlice);
    run();
  }); }

void UdpWorker::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_.store(true, std::memory_order_relaxed);
  // Wakes the blocked recvmmsg (it returns at once from now on). Linux answers ENOTCONN for an
  // unconnected UDP socket but still marks it shut and wakes its readers.
  (void)::shutdown(fd_, SHUT_RD);
  thread_.join();
}

namespace {

void sendTo(int fd, const void* bytes, std::size_t size, const SocketAddress& peer) {
  // From the writer thread: a blocking send (the socket is blocking), so that an acknowledgement
  // is not dropped when the send buffer is momentarily full.
  (void)::sendto(fd, bytes, size, MSG_NOSIGNAL, peer.get(), peer.length);
}

}  // namespace

bool UdpWorker::submitRegistration(dns::ARecord record, const SocketAddress& peer) {
  return context_.writer.submit(makeRegistrationRequest(
      std::move(record), SteadyClock::now() + context_.write_timeout, context_.max_records,
      [fd = fd_, peer](const std::string& reply) {
        sendTo(fd, reply.data(), reply.size(), peer);
      },
      context_.metrics));
}

bool UdpWorker::submitUpdate(std::shared_ptr<authority::PendingUpdate> update,
                             const SocketAddress& peer) {
  return context_.writer.submit(makeUpdateRequest(
      context_.dns, std::move(update), SteadyClock::now() + context_.write_timeout,
      context_.max_records, [fd = fd_, peer](std::vector<std::uint8_t> reply) {
        sendTo(fd, reply.data(), reply.size(), peer);
      }));
}

void UdpWorker::run() {
  SnapshotPublisher::Reader snapshots(context_.publisher);
  authority::DatagramHandler handler(context_.dns, context_.may_register);
  auto limiter = security::ResponseRateLimiter::create(
      context_.rrl,
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  const bool rate_limited = limiter.isOk() && limiter->enabled();
  std::size_t drained_batches = 0;
  for (;;) {
    // Once told to stop, the datagrams already in the socket buffer are still read and answered
    // (registrations queued, so the writer's drain acknowledges them), without waiting for more,
    // and at most kMaxDrainBatches batches, in case a flood keeps coming.
    const bool stopping = stopping_.load(std::memory_order_relaxed);
    if (stopping && ++drained_batches > kMaxDrainBatches) {
      return;
    }
    for (mmsghdr& message : messages_) {
      message.msg_hdr.msg_namelen = sizeof(sockaddr_storage);  // the kernel overwrites both
      message.msg_hdr.msg_flags = 0;
    }
    const int received =
        ::recvmmsg(fd_, messages_.data(), static_cast<unsigned>(kMaxBatch),
                   stopping ? MSG_DONTWAIT : MSG_WAITFORONE, nullptr);
    if (received <= 0 && stopping_.load(std::memory_order_relaxed)) {
      return;  // nothing left (0 once shut down, or EAGAIN)
    }
    if (received < 0) {
      if (errno != EINTR && errno != EAGAIN) {
        // E.g. ECONNREFUSED left by an ICMP error for an earlier reply: not fatal.
        log::debug("udp", "recvmmsg: " + errnoText(errno));
      }
      continue;
    }
    const auto count = static_cast<std::size_t>(received);
    const authority::RecordCache& zone = snapshots.get();
    const std::uint64_t now = unixSeconds();
    for (std::size_t i = 0; i < count; ++i) {
      const mmsghdr& message = messages_[i];
      const bool truncated = (message.msg_hdr.msg_flags & MSG_TRUNC) != 0;
      const std::span<const std::uint8_t> bytes(
          buffers_.data() + i * kMaxDatagram,
          std::min<std::size_t>(message.msg_len, kMaxDatagram));
      SocketAddress peer;
      std::memcpy(&peer.storage, &peers_[i], sizeof peer.storage);
      peer.length = message.msg_hdr.msg_namelen;
      const security::IpAddress source = peer.securityAddress();
      authority::DatagramOutcome outcome;
      try {
        outcome = handler.handle(bytes, truncated, source, now, zone, replies_[i]);
      } catch (const std::exception& e) {
        // Last-resort barrier: this datagram gets no answer, the others do.
        log::error("udp", std::string("unexpected error while answering: ") + e.what());
        replies_[i].clear();
        continue;
      }
      if (outcome.refused_write) {
        context_.refusals.refused(outcome.refused_what, source);
      }
      if (outcome.registration || outcome.update) {
        const bool queued = outcome.registration
                                ? submitRegistration(std::move(*outcome.registration), peer)
                                : submitUpdate(std::move(outcome.update), peer);
        if (context_.metrics != nullptr && outcome.registration) {
          context_.metrics->labRequest(metrics::LabOutcome::Registration).Increment();
        }
        if (!queued) {
          if (context_.metrics != nullptr && !outcome.is_dns) {
            context_.metrics->registration(metrics::RegistrationOutcome::Busy).Increment();
          }
          if (outcome.is_dns) {
            replies_[i].clear();  // SERVFAIL would invite a retry storm; the client retries
          } else {
            replies_[i] = authority::LabHandler::busyReply();
          }
        }
        continue;  // the writer answers (or the busy reply goes now)
      }
      if (rate_limited && !outcome.valid_server_cookie && !replies_[i].empty()) {
        std::string& reply = replies_[i];
        const auto rcode = static_cast<std::uint8_t>(reply.size() >= 4 ? reply[3] & 0x0F : 0);
        const auto ancount = static_cast<std::uint16_t>(
            reply.size() >= 8 ? (static_cast<std::uint8_t>(reply[6]) << 8) |
                                    static_cast<std::uint8_t>(reply[7])
                              : 0);
        const security::ResponseClass response_class =
            outcome.is_dns ? security::classifyDnsResponse(rcode, ancount)
                           : security::ResponseClass::Lab;
        const auto decision = limiter->decide(
            source, response_class,
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now().time_since_epoch()));
        if (decision == security::RrlDecision::Drop ||
            (decision == security::RrlDecision::Slip && !outcome.is_dns)) {
          reply.clear();
        } else if (decision == security::RrlDecision::Slip) {
          reply.resize(authority::DnsRequestHandler::slipReply(std::span<std::uint8_t>(
              reinterpret_cast<std::uint8_t*>(reply.data()), reply.size())));
        }
      }
    }
    if (context_.metrics != nullptr) {
      countReplies(count);
    }
    sendReplies(count);
  }
}

void UdpWorker::countReplies(std::size_t count) {
  // Counted per batch, then added once per series: the counters are shared by every worker, and
  // one atomic add per batch instead of per reply keeps their cache line from bouncing.
  std::array<double, 5> lab{};   // by metrics::LabOutcome, Registration excepted
  std::array<double, 16> dns{};  // by RCODE
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& reply = replies_[i];
    if (reply.empty()) {
      continue;
    }
    const std::string_view text(reply);
    if (text.rfind("TYPE=", 0) == 0) {
      ++lab[static_cast<std::size_t>(metrics::LabOutcome::Answer)];
    } else if (text.rfind("NOT FOUND!", 0) == 0) {
      ++lab[static_cast<std::size_t>(metrics::LabOutcome::NotFound)];
    } else if (text.rfind("BAD REQUEST!", 0) == 0 || text.rfind("Registration Failed!", 0) == 0) {
      ++lab[static_cast<std::size_t>(metrics::LabOutcome::BadRequest)];
    } else if (text.rfind("SERVER ERROR!", 0) == 0) {
      ++lab[static_cast<std::size_t>(metrics::LabOutcome::ServerError)];
    } else if (reply.size() >= 4) {
      ++dns[static_cast<std::size_t>(reply[3] & 0x0F)];
    }
  }
  for (std::size_t outcome = 0; outcome < lab.size(); ++outcome) {
    if (lab[outcome] > 0) {
      context_.metrics->labRequest(static_cast<metrics::LabOutcome>(outcome)).Increment(lab[outcome]);
    }
  }
  for (std::size_t rcode = 0; rcode < dns.size(); ++rcode) {
    if (dns[rcode] > 0) {
      context_.metrics->dnsQuery(metrics::DnsTransport::Udp, static_cast<unsigned>(rcode))
          .Increment(dns[rcode]);
    }
  }
}

void UdpWorker::sendReplies(std::size_t count) {
  outgoing_.clear();
  out_iovecs_.clear();
  for (std::size_t i = 0; i < count; ++i) {
    if (!replies_[i].empty()) {
      out_iovecs_.push_back({replies_[i].data(), replies_[i].size()});
    }
  }
  std::size_t next_iovec = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (replies_[i].empty()) {
      continue;
    }
    mmsghdr message{};
    message.msg_hdr.msg_iov = &out_iovecs_[next_iovec++];
    message.msg_hdr.msg_iovlen = 1;
    message.msg_hdr.msg_name = &peers_[i];
    message.msg_hdr.msg_namelen = messages_[i].msg_hdr.msg_namelen;
    outgoing_.push_back(message);
  }
  std::size_t sent = 0;
  while (sent < outgoing_.size()) {
    const int result = ::sendmmsg(fd_, outgoing_.data() + sent,
                                  static_cast<unsigned>(outgoing_.size() - sent), MSG_DONTWAIT);
    if (result < 0) {
      if (errno == EINTR) {
        continue;
      }
      // One bad destination (or a full send buffer) must not stop the others: skip it.
      log::debug("udp", "sendmmsg: " + errnoText(errno));
      ++sent;
      continue;
    }
    sent += static_cast<std::size_t>(result);
  }
  for (std::size_t i = 0; i < count; ++i) {
    replies_[i].clear();
  }
}

}  // namespace fibdns::engine
