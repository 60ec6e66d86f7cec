#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "fibdns/authority/lab_handler.h"

namespace fibdns::authority {

/// One port, two formats: a datagram of printable text is a lab request (LabHandler); anything
/// binary goes to the DNS wire-format responder. Text that is itself a lab reply gets no answer
/// (no reflection loops between servers, or with a spoofed source). The lab protocol's behaviour
/// does not depend on what else arrives in the same batch.
class DatagramDispatcher {
 public:
  /// Answers one binary datagram into `reply` (empty on entry); leaving it empty means "no
  /// reply" (e.g. for a DNS response, QR=1). Writing into `reply` reuses its capacity.
  using BinaryResponder =
      std::function<void(std::span<const std::uint8_t> datagram, std::string& reply)>;

  /// Without a binary responder, binary datagrams get the lab's "BAD REQUEST!".
  DatagramDispatcher(LabHandler& lab, BinaryResponder binary = {});

  /// replies[i] answers datagrams[i]; replies.size() must equal datagrams.size(), and every
  /// reply must be empty on entry.
  void handleBatch(std::span<const std::span<const std::uint8_t>> datagrams,
                   std::vector<std::string>& replies);

 private:
  LabHandler& lab_;
  BinaryResponder binary_;
  // Scratch space reused across batches.
  std::vector<std::string_view> text_requests_;
  std::vector<std::size_t> text_positions_;
  std::vector<std::string> text_replies_;
};

}  // namespace fibdns::authority
