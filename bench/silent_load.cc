// silent-load: keeps N requests waiting in a US on an AS that never answers, for a bounded time.
//
//   silent-load --us http://127.0.0.1:18080 --in-flight 500 --seconds 12 [--bind 127.0.0.1]
//
// It binds a UDP socket (the silent AS: never read, never answered) on --bind at a free port,
// then keeps --in-flight GETs outstanding at the US with as_ip/as_port pointing at it, each for
// its own host name (so that the US cannot share one AS query among them), replacing each as it
// completes, until --seconds pass. It prints how many completed and with which status. Bounded:
// a request times out after 10 s, the run ends after --seconds plus that. Loopback only.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

int main(int argc, char** argv) {
  std::string us = "http://127.0.0.1:18080";
  std::string bind_ip = "127.0.0.1";
  long in_flight = 500;
  long seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--us") {
      us = argv[i + 1];
    } else if (flag == "--in-flight") {
      in_flight = std::strtol(argv[i + 1], nullptr, 10);
    } else if (flag == "--seconds") {
      seconds = std::strtol(argv[i + 1], nullptr, 10);
    } else if (flag == "--bind") {
      bind_ip = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (in_flight < 1 || in_flight > 5000 || seconds < 1 || seconds > 600) {
    std::fprintf(stderr, "--in-flight 1..5000, --seconds 1..600\n");
    return 2;
  }
  const int silent = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, bind_ip.c_str(), &address.sin_addr) != 1 ||
      (ntohl(address.sin_addr.s_addr) >> 24U) != 127U) {
    std::fprintf(stderr, "--bind must be a 127.0.0.0/8 address\n");
    return 2;
  }
  if (::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("bind");
    return 1;
  }
  socklen_t length = sizeof address;
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string silent_port = std::to_string(ntohs(address.sin_port));

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  long next_name = 0;
  auto add = [&] {
    CURL* easy = curl_easy_init();
    const std::string url = us + "/fibonacci?hostname=silent" + std::to_string(next_name++) +
                            ".example&fs_port=9&number=1&as_ip=" + bind_ip +
                            "&as_port=" + silent_port;
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
    curl_multi_add_handle(multi, easy);
  };
  for (long i = 0; i < in_flight; ++i) {
    add();
  }
  std::map<long, long> statuses;  // 0: no HTTP answer
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int running = 1;
  while (running > 0) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) {
        continue;
      }
      long status = 0;
      if (message->data.result == CURLE_OK) {
        curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      }
      ++statuses[status];
      curl_multi_remove_handle(multi, message->easy_handle);
      curl_easy_cleanup(message->easy_handle);
      if (std::chrono::steady_clock::now() < end) {
        add();
        ++running;
      }
    }
    if (running > 0) {
      curl_multi_poll(multi, nullptr, 0, 50, nullptr);
    }
  }
  curl_multi_cleanup(multi);
  ::close(silent);
  std::printf("silent-load: %ld requests;", next_name);
  for (const auto& [status, count] : statuses) {
    std::printf(" %ld x %ld", count, status);
  }
  std::printf("\n");
  return 0;
}
