#include "fibdns/http/fibonacci_client.h"

#include "fibdns/http/params.h"

namespace fibdns::http {

std::string buildFibonacciUrl(std::string_view host, std::uint16_t port, std::string_view number) {
  std::string url = "http://";
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) {
    url += '[';
  }
  url += host;
  if (v6) {
    url += ']';
  }
  url += ':';
  url += std::to_string(port);
  url += "/fibonacci?number=";
  url += percentEncode(number);
  return url;
}

}  // namespace fibdns::http
