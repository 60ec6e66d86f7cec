#include "fibdns/authority/datagram_dispatcher.h"

#include <cassert>
#include <string_view>

#include "fibdns/dns/lab_codec.h"

namespace fibdns::authority {

DatagramDispatcher::DatagramDispatcher(LabHandler& lab, BinaryResponder binary)
    : lab_(lab), binary_(std::move(binary)) {}

void DatagramDispatcher::handleBatch(std::span<const std::span<const std::uint8_t>> datagrams,
                                     std::vector<std::string>& replies) {
  assert(datagrams.size() == replies.size() && "one reply slot per datagram");
  text_requests_.clear();
  text_positions_.clear();
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const auto bytes = datagrams[i];
    if (!dns::lab::looksLikeText(bytes)) {
      if (binary_) {
        binary_(bytes, replies[i]);
      } else {
        replies[i] = dns::lab::encodeBadRequest("binary data is not a lab request");
      }
      continue;
    }
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (dns::lab::looksLikeReply(text)) {
      continue;  // another server's reply: answering it could loop forever
    }
    text_requests_.push_back(text);
    text_positions_.push_back(i);
  }
  if (text_requests_.empty()) {
    return;
  }
  text_replies_.assign(text_requests_.size(), std::string());
  lab_.handleBatch(text_requests_, text_replies_);
  for (std::size_t j = 0; j < text_positions_.size(); ++j) {
    replies[text_positions_[j]] = std::move(text_replies_[j]);
  }
}

}  // namespace fibdns::authority
