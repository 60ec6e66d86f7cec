#include "fibdns/net/udp_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fibdns/common/logging.h"

namespace fibdns::net {
namespace {

std::string errnoText(int error) { return std::strerror(error); }

}  // namespace

Result<std::unique_ptr<UdpServer>> UdpServer::bind(const std::string& ip, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) {
    return invalidArgument("not an IPv4 address: " + ip);
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return unavailable("socket: " + errnoText(errno));
  }
  std::unique_ptr<UdpServer> server(new UdpServer(fd));
  // A bigger receive buffer absorbs bursts (e.g. many clients registering at once) while the
  // loop waits for a commit. The kernel caps it at net.core.rmem_max.
  const int buffer_size = 4 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return unavailable("cannot bind UDP " + ip + ":" + std::to_string(port) + ": " +
                       errnoText(errno));
  }
  return server;
}

UdpServer::UdpServer(int fd)
    : fd_(fd),
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
  datagrams_.reserve(kMaxBatch);
  outgoing_.reserve(kMaxBatch);
  out_iovecs_.reserve(kMaxBatch);
}

UdpServer::~UdpServer() { ::close(fd_); }

std::uint16_t UdpServer::port() const {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return 0;
  }
  return ntohs(address.sin_port);
}

void UdpServer::drain(const BatchHandler& handler) {
  // Bounded, so that a flood cannot keep the loop from signals and TCP: after this many
  // batches the caller polls again (and comes straight back if more is waiting).
  constexpr int kMaxBatchesPerDrain = 16;
  for (int round = 0; round < kMaxBatchesPerDrain; ++round) {
    for (mmsghdr& message : messages_) {
      message.msg_hdr.msg_namelen = sizeof(sockaddr_in);  // the kernel overwrites it
    }
    const int received =
        ::recvmmsg(fd_, messages_.data(), static_cast<unsigned>(kMaxBatch), MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // E.g. ECONNREFUSED left by an ICMP error for an earlier reply: not fatal.
        log::debug("udp", "recvmmsg: " + errnoText(errno));
        continue;
      }
      return;
    }
    const auto count = static_cast<std::size_t>(received);
    datagrams_.clear();
    for (std::size_t i = 0; i < count; ++i) {
      const bool truncated = (messages_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      datagrams_.push_back(
          {std::span<const std::uint8_t>(buffers_.data() + i * kMaxDatagram, messages_[i].msg_len),
           truncated});
    }
    replies_.resize(count);
    for (std::string& reply : replies_) {
      reply.clear();
    }
    handler(datagrams_, replies_);
    sendReplies(count);
    if (count < kMaxBatch) {
      return;
    }
  }
}

void UdpServer::sendReplies(std::size_t count) {
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
    message.msg_hdr.msg_namelen = sizeof(sockaddr_in);
    outgoing_.push_back(message);
  }
  std::size_t sent = 0;
  while (sent < outgoing_.size()) {
    const int result =
        ::sendmmsg(fd_, outgoing_.data() + sent, static_cast<unsigned>(outgoing_.size() - sent), 0);
    if (result < 0) {
      if (errno == EINTR) {
        continue;
      }
      // One bad destination must not stop the others: skip it.
      log::debug("udp", "sendmmsg: " + errnoText(errno));
      ++sent;
      continue;
    }
    sent += static_cast<std::size_t>(result);
  }
}

}  // namespace fibdns::net
