#include "fibdns/net/udp_lab_client.h"

// PLACEHOLDER: replaced by the real implementation in the FS/US work.
namespace fibdns::net {
UdpLabClient::UdpLabClient(UdpLabClientOptions options) : options_(options) {}
Result<std::string> UdpLabClient::exchange(const AsEndpoint&, std::string_view) const {
  return unavailable("not implemented");
}
Result<dns::lab::Reply> UdpLabClient::registerRecord(const AsEndpoint&, const dns::ARecord&) const {
  return unavailable("not implemented");
}
Result<dns::lab::Reply> UdpLabClient::query(const AsEndpoint&, std::string_view) const {
  return unavailable("not implemented");
}
}  // namespace fibdns::net
