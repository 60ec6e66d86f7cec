#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fibdns/common/result.h"

namespace fibdns::net {

/// A datagram as received: its bytes (at most kMaxDatagram; `truncated` when the sender sent more).
struct Datagram {
  std::span<const std::uint8_t> bytes;
  bool truncated = false;
};

/// Answers a batch of datagrams that arrived together. replies[i] answers datagrams[i]; an empty
/// reply means "send nothing". The replies arrive empty but keep their capacity from earlier
/// batches, so writing into them (assign, append) usually allocates nothing. Called on the
/// serving thread only.
using BatchHandler =
    std::function<void(std::span<const Datagram> datagrams, std::vector<std::string>& replies)>;

/// The AS's UDP socket and its receive/answer loop. Owns the socket (closed in the destructor).
/// Replies go to each datagram's source address and port.
class UdpServer {
 public:
  static constexpr std::size_t kMaxDatagram = 4096;  // larger datagrams are marked truncated
  static constexpr std::size_t kMaxBatch = 64;       // datagrams read per wake-up (recvmmsg)

  /// Binds an IPv4 UDP socket. InvalidArgument for a bad address, Unavailable when bind fails
  /// (with the errno text, e.g. "Address already in use").
  static Result<std::unique_ptr<UdpServer>> bind(const std::string& ip, std::uint16_t port);

  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  int fd() const { return fd_; }
  /// The bound port (useful after binding port 0).
  std::uint16_t port() const;

  /// Reads the datagrams waiting on the socket (in batches of kMaxBatch), hands each batch to
  /// the handler and sends the replies. Returns when the socket has nothing more to read, or
  /// after a bounded number of batches (the socket then stays readable for the next poll).
  /// Socket errors are logged and skipped: the server never stops because of a peer.
  void drain(const BatchHandler& handler);

 private:
  explicit UdpServer(int fd);
  void sendReplies(std::size_t count);

  int fd_;
  // Everything a batch needs is allocated once and reused: at low rates the loop wakes up for
  // about one datagram at a time, and per-wake-up allocations would dominate its cost.
  std::vector<std::uint8_t> buffers_;
  std::vector<sockaddr_in> peers_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<Datagram> datagrams_;
  std::vector<std::string> replies_;
  std::vector<mmsghdr> outgoing_;
  std::vector<iovec> out_iovecs_;
};

}  // namespace fibdns::net
