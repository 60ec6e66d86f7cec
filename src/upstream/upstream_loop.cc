#include "fibdns/upstream/upstream_loop.h"

#include <ares.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

#include "fibdns/common/logging.h"
#include "fibdns/common/text.h"

namespace fibdns::upstream {
namespace {

using Clock = std::chrono::steady_clock;

/// What an epoll event is about: the kind in the high half of the tag, the fd in the low half.
enum class Kind : std::uint64_t { Wake = 0, Udp = 1, Curl = 2, Ares = 3 };

std::uint64_t tag(Kind kind, int fd) {
  return (static_cast<std::uint64_t>(kind) << 32U) | static_cast<std::uint32_t>(fd);
}

std::string errnoText(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

/// Text from peers (curl's error buffer) as one short line.
std::string printable(std::string_view text) { return text::oneLine(text, 200); }

constexpr std::size_t kMaxDatagram = 2048;

}  // namespace

struct UpstreamLoop::Impl {
  struct Exchange {
    int fd = -1;
    net::SocketAddress peer;
    std::string where;
    std::string request;
    UdpExchangeOptions options;
    int attempts_made = 0;
    bool refused = false;
    Clock::time_point deadline;
    std::function<void(Result<std::string>)> done;
  };

  struct Transfer {
    CURL* easy = nullptr;
    std::string url;
    std::string body;
    std::size_t max_body = 0;
    bool overflow = false;
    std::array<char, CURL_ERROR_SIZE> error{};
    std::function<void(Result<HttpGetResponse>)> done;
  };

  struct Lookup {
    Impl* impl = nullptr;
    std::string host;
    AllowList allowed;
    std::function<void(Result<IpAddress>)> done;
  };

  int epoll_fd = -1;
  int wake_fd = -1;
  CURLM* multi = nullptr;
  ares_channel channel = nullptr;
  bool ares_ready = false;

  std::mutex mutex;  // guards posted and stopping
  std::vector<std::function<void()>> posted;
  bool stopping = false;

  std::vector<std::function<void()>> ready;  // completions, run after the current event

  std::unordered_map<int, Exchange> exchanges;
  std::set<std::pair<Clock::time_point, int>> deadlines;

  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  // Finished easy handles, reset and kept for the next GET: creating one per request costs more
  // than the request itself on loopback. Connections live in the multi handle's cache anyway.
  std::vector<CURL*> idle_easy;
  static constexpr std::size_t kMaxIdleEasy = 256;
  std::unordered_map<int, std::uint32_t> curl_fds;  // fd -> events registered
  bool curl_timer_armed = false;
  Clock::time_point curl_deadline;

  std::unordered_map<int, std::uint32_t> ares_fds;
  std::size_t lookups = 0;

  ~Impl() {
    for (CURL* easy : idle_easy) {
      curl_easy_cleanup(easy);
    }
    if (channel != nullptr) {
      ares_destroy(channel);
    }
    if (ares_ready) {
      ares_library_cleanup();
    }
    if (multi != nullptr) {
      curl_multi_cleanup(multi);
    }
    if (wake_fd >= 0) {
      ::close(wake_fd);
    }
    if (epoll_fd >= 0) {
      ::close(epoll_fd);
    }
  }

  void watch(int fd, Kind kind, std::uint32_t events, bool add) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag(kind, fd);
    if (::epoll_ctl(epoll_fd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) != 0) {
      log::warn("upstream", errnoText("epoll_ctl", errno));
    }
  }
  void unwatch(int fd) { ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); }

  void complete(std::function<void()> completion) { ready.push_back(std::move(completion)); }

  // ---- UDP ----

  void finishExchange(int fd, Result<std::string> result) {
    const auto found = exchanges.find(fd);
    if (found == exchanges.end()) {
      return;
    }
    Exchange exchange = std::move(found->second);
    exchanges.erase(found);
    deadlines.erase({exchange.deadline, fd});
    unwatch(fd);
    ::close(fd);
    complete([done = std::move(exchange.done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  void failAfterAttempts(Exchange& exchange) {
    const int attempts = exchange.attempts_made;
    finishExchange(exchange.fd, deadlineExceeded("no reply from " + exchange.where + " after " +
                                                 std::to_string(attempts) +
                                                 (attempts == 1 ? " attempt" : " attempts") +
                                                 (exchange.refused ? " (port unreachable)" : "")));
  }

  /// Sends the next attempt, or fails the exchange when none is left.
  void sendAttempt(Exchange& exchange) {
    deadlines.erase({exchange.deadline, exchange.fd});
    const int max_attempts = std::max(1, exchange.options.attempts);
    while (exchange.attempts_made < max_attempts) {
      ++exchange.attempts_made;
      if (::send(exchange.fd, exchange.request.data(), exchange.request.size(), MSG_NOSIGNAL) >=
          0) {
        exchange.deadline = Clock::now() + exchange.options.timeout;
        deadlines.insert({exchange.deadline, exchange.fd});
        return;
      }
      if (errno != ECONNREFUSED) {
        finishExchange(exchange.fd, unavailable(errnoText("send to " + exchange.where, errno)));
        return;
      }
      exchange.refused = true;  // an earlier datagram bounced: retried like a timeout
    }
    failAfterAttempts(exchange);
  }

  void onUdpReadable(int fd) {
    const auto found = exchanges.find(fd);
    if (found == exchanges.end()) {
      return;
    }
    Exchange& exchange = found->second;
    std::array<char, kMaxDatagram> buffer{};
    while (true) {
      sockaddr_storage from{};
      socklen_t from_length = sizeof from;
      const ssize_t received = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                          reinterpret_cast<sockaddr*>(&from), &from_length);
      if (received < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;
        }
        if (errno == ECONNREFUSED) {
          exchange.refused = true;
          sendAttempt(exchange);  // nobody listens there (yet): next attempt at once
          return;
        }
        finishExchange(fd, unavailable(errnoText("receive from " + exchange.where, errno)));
        return;
      }
      if (!net::samePeer(from, exchange.peer)) {
        continue;  // the connected socket filters already; cheap to check anyway
      }
      finishExchange(fd, std::string(buffer.data(), static_cast<std::size_t>(received)));
      return;
    }
  }

  void expireDeadlines(Clock::time_point now) {
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      const int fd = deadlines.begin()->second;
      deadlines.erase(deadlines.begin());
      const auto found = exchanges.find(fd);
      if (found != exchanges.end()) {
        sendAttempt(found->second);
      }
    }
  }

  // ---- libcurl ----

  // libcurl's and c-ares's callbacks are called from C frames: nothing may unwind through them.
  // Each catches everything; a failure that cannot be reported otherwise is logged.
  static int onCurlSocket(CURL* easy, curl_socket_t fd, int what, void* user,
                          void* socketp) noexcept {
    try {
      return onCurlSocketImpl(easy, fd, what, user, socketp);
    } catch (...) {
      return -1;  // libcurl fails the transfer
    }
  }

  static int onCurlSocketImpl(CURL* /*easy*/, curl_socket_t fd, int what, void* user,
                              void* /*socketp*/) {
    auto* self = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      if (self->curl_fds.erase(fd) > 0) {
        self->unwatch(fd);
      }
      return 0;
    }
    std::uint32_t events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
      events |= EPOLLIN;
    }
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
      events |= EPOLLOUT;
    }
    const bool add = self->curl_fds.find(fd) == self->curl_fds.end();
    self->curl_fds[fd] = events;
    self->watch(fd, Kind::Curl, events, add);
    return 0;
  }

  static int onCurlTimer(CURLM* /*multi*/, long timeout_ms, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    self->curl_timer_armed = timeout_ms >= 0;
    if (timeout_ms >= 0) {
      self->curl_deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  /// libcurl's write callback. Nothing may unwind through libcurl's C frames: an exception
  /// (bad_alloc) is caught and reported as a short write, which fails the transfer.
  static std::size_t onCurlBody(char* data, std::size_t size, std::size_t count,
                                void* user) noexcept {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    try {
      if (bytes > transfer->max_body - transfer->body.size()) {
        transfer->overflow = true;
        return 0;  // CURLE_WRITE_ERROR
      }
      transfer->body.append(data, bytes);
      return bytes;
    } catch (...) {
      return 0;
    }
  }

  void curlAction(curl_socket_t fd, int mask) {
    int running = 0;
    curl_multi_socket_action(multi, fd, mask, &running);
    collectCurlResults();
  }

  void collectCurlResults() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) {
        continue;
      }
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      const auto found = transfers.find(easy);
      if (found == transfers.end()) {
        continue;
      }
      std::unique_ptr<Transfer> transfer = std::move(found->second);
      transfers.erase(found);
      Result<HttpGetResponse> result = finishTransfer(*transfer, code);
      curl_multi_remove_handle(multi, easy);
      releaseEasy(easy);
      complete([done = std::move(transfer->done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    }
  }

  CURL* acquireEasy() {
    if (idle_easy.empty()) {
      return curl_easy_init();
    }
    CURL* easy = idle_easy.back();
    idle_easy.pop_back();
    return easy;
  }

  void releaseEasy(CURL* easy) {
    if (idle_easy.size() >= kMaxIdleEasy) {
      curl_easy_cleanup(easy);
      return;
    }
    curl_easy_reset(easy);  // every option back to its default; the next GET sets its own
    idle_easy.push_back(easy);
  }

  static Result<HttpGetResponse> finishTransfer(Transfer& transfer, CURLcode code) {
    if (code != CURLE_OK) {
      const std::string reason =
          transfer.error[0] != '\0' ? transfer.error.data() : curl_easy_strerror(code);
      if (transfer.overflow) {
        return unavailable("answer longer than " + std::to_string(transfer.max_body) + " bytes");
      }
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return deadlineExceeded("no answer in time (" + printable(reason) + ")");
      }
      return unavailable("unreachable: " + printable(reason));
    }
    HttpGetResponse response;
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    char* content_type = nullptr;
    curl_easy_getinfo(transfer.easy, CURLINFO_CONTENT_TYPE, &content_type);
    response.status = static_cast<int>(status);
    response.body = std::move(transfer.body);
    if (content_type != nullptr) {
      response.content_type = content_type;
    }
    return response;
  }

  // ---- c-ares ----

  static void onAresSocket(void* user, ares_socket_t fd, int readable, int writable) noexcept {
    try {
      onAresSocketImpl(user, fd, readable, writable);
    } catch (...) {
      log::error("upstream", "c-ares socket callback failed");
    }
  }

  static void onAresSocketImpl(void* user, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Impl*>(user);
    if (readable == 0 && writable == 0) {
      if (self->ares_fds.erase(fd) > 0) {
        self->unwatch(fd);
      }
      return;
    }
    const std::uint32_t events = (readable != 0 ? std::uint32_t{EPOLLIN} : 0U) |
                                 (writable != 0 ? std::uint32_t{EPOLLOUT} : 0U);
    const bool add = self->ares_fds.find(fd) == self->ares_fds.end();
    self->ares_fds[fd] = events;
    self->watch(fd, Kind::Ares, events, add);
  }

  static void onAresResult(void* arg, int status, int /*timeouts*/,
                           ares_addrinfo* result) noexcept {
    const std::unique_ptr<Lookup> lookup(static_cast<Lookup*>(arg));
    Impl& self = *lookup->impl;
    --self.lookups;
    try {
      Result<IpAddress> outcome = lookupOutcome(*lookup, status, result);
      self.complete([done = std::move(lookup->done), outcome = std::move(outcome)]() mutable {
        done(std::move(outcome));
      });
    } catch (...) {
      // Only allocation can fail here; the caller's request then stays unanswered until its
      // HTTP client gives up. Logged, never unwound into c-ares.
      log::error("upstream", "c-ares result callback failed");
    }
    if (result != nullptr) {
      ares_freeaddrinfo(result);
    }
  }

  static Result<IpAddress> lookupOutcome(const Lookup& lookup, int status,
                                         const ares_addrinfo* result) {
    if (status != ARES_SUCCESS || result == nullptr) {
      if (status == ARES_EDESTRUCTION) {
        return failedPrecondition("shutting down");
      }
      return invalidArgument("cannot resolve host '" + lookup.host + "': " + ares_strerror(status));
    }
    std::optional<IpAddress> first;
    for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
      auto address = IpAddress::fromSockaddr(node->ai_addr);
      if (!address) {
        continue;
      }
      if (lookup.allowed.allows(*address)) {
        return *address;
      }
      if (!first) {
        first = *address;
      }
    }
    if (first) {
      return permissionDenied("'" + lookup.host + "' resolves to " + first->toString() +
                              ", which is outside the allowed upstream ranges");
    }
    return invalidArgument("cannot resolve host '" + lookup.host + "': no address");
  }

  // ---- the loop ----

  int timeoutMillis(Clock::time_point now) {
    if (!ready.empty()) {
      return 0;
    }
    Clock::time_point next = now + std::chrono::seconds(1);
    if (!deadlines.empty()) {
      next = std::min(next, deadlines.begin()->first);
    }
    if (curl_timer_armed) {
      next = std::min(next, curl_deadline);
    }
    if (lookups > 0) {
      timeval limit{1, 0};
      timeval tv{};
      if (const timeval* wait = ares_timeout(channel, &limit, &tv)) {
        next = std::min(next, now + std::chrono::seconds(wait->tv_sec) +
                                  std::chrono::microseconds(wait->tv_usec));
      }
    }
    if (next <= now) {
      return 0;
    }
    // Round up, so that we do not wake a millisecond early and spin.
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                next - now + std::chrono::microseconds(999))
                                .count());
  }

  void runReady() {
    while (!ready.empty()) {
      std::vector<std::function<void()>> batch;
      batch.swap(ready);
      for (auto& completion : batch) {
        try {
          completion();
        } catch (const std::exception& e) {
          log::error("upstream", std::string("completion threw: ") + printable(e.what()));
        }
      }
    }
  }

  /// Completes everything in flight with Unavailable("shutting down").
  void cancelAll() {
    std::vector<int> fds;
    for (const auto& [fd, exchange] : exchanges) {
      fds.push_back(fd);
    }
    for (const int fd : fds) {
      finishExchange(fd, failedPrecondition("shutting down"));
    }
    for (auto& [easy, transfer] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      complete([done = std::move(transfer->done)] { done(failedPrecondition("shutting down")); });
    }
    transfers.clear();
    if (channel != nullptr) {
      ares_destroy(channel);  // calls each pending lookup back with ARES_EDESTRUCTION
      channel = nullptr;
    }
    runReady();
  }

  void run() {
    std::array<epoll_event, 256> events{};
    while (true) {
      const int count = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                     timeoutMillis(Clock::now()));
      if (count < 0 && errno != EINTR) {
        log::error("upstream", errnoText("epoll_wait", errno));
      }
      for (int i = 0; i < count; ++i) {
        const auto kind = static_cast<Kind>(events[static_cast<std::size_t>(i)].data.u64 >> 32U);
        const int fd = static_cast<int>(events[static_cast<std::size_t>(i)].data.u64 & 0xffffffffU);
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        switch (kind) {
          case Kind::Wake: {
            std::uint64_t value = 0;
            (void)!::read(wake_fd, &value, sizeof value);
            break;
          }
          case Kind::Udp:
            onUdpReadable(fd);
            break;
          case Kind::Curl: {
            int mask = 0;
            mask |= (what & EPOLLIN) != 0 ? CURL_CSELECT_IN : 0;
            mask |= (what & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0;
            mask |= (what & (EPOLLERR | EPOLLHUP)) != 0 ? CURL_CSELECT_ERR : 0;
            curlAction(fd, mask);
            break;
          }
          case Kind::Ares:
            ares_process_fd(channel,
                            (what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 ? fd : ARES_SOCKET_BAD,
                            (what & EPOLLOUT) != 0 ? fd : ARES_SOCKET_BAD);
            break;
        }
      }
      const Clock::time_point now = Clock::now();
      expireDeadlines(now);
      if (curl_timer_armed && curl_deadline <= now) {
        curl_timer_armed = false;
        curlAction(CURL_SOCKET_TIMEOUT, 0);
      }
      if (lookups > 0) {
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // lookups that timed out
      }
      runReady();

      std::vector<std::function<void()>> tasks;
      bool stop_now = false;
      {
        const std::lock_guard lock(mutex);
        tasks.swap(posted);
        stop_now = stopping;
      }
      for (auto& task : tasks) {
        try {
          task();
        } catch (const std::exception& e) {
          log::error("upstream", std::string("task threw: ") + printable(e.what()));
        }
      }
      runReady();
      if (stop_now) {
        cancelAll();
        return;
      }
    }
  }
};

UpstreamLoop::UpstreamLoop() : impl_(std::make_unique<Impl>()) {}

UpstreamLoop::~UpstreamLoop() { stop(); }

Status UpstreamLoop::start() {
  Impl& impl = *impl_;
  impl.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl.epoll_fd < 0 || impl.wake_fd < 0) {
    return unavailable(errnoText("upstream loop: epoll/eventfd", errno));
  }
  impl.watch(impl.wake_fd, Kind::Wake, EPOLLIN, true);

  impl.multi = curl_multi_init();
  if (impl.multi == nullptr) {
    return internalError("curl_multi_init failed");
  }
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETFUNCTION, &Impl::onCurlSocket);
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETDATA, &impl);
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERFUNCTION, &Impl::onCurlTimer);
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERDATA, &impl);
  curl_multi_setopt(impl.multi, CURLMOPT_MAXCONNECTS, 256L);  // kept-alive connections to FSes

  if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
    return internalError(std::string("ares_library_init: ") + ares_strerror(rc));
  }
  impl.ares_ready = true;
  ares_options options{};
  options.sock_state_cb = &Impl::onAresSocket;
  options.sock_state_cb_data = &impl;
  options.timeout = 1000;  // ms per try
  options.tries = 2;
  if (const int rc = ares_init_options(
          &impl.channel, &options, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
      rc != ARES_SUCCESS) {
    impl.channel = nullptr;
    return unavailable(std::string("c-ares init: ") + ares_strerror(rc));
  }
  thread_ = std::thread([&impl] { impl.run(); });
  return Status::ok();
}

void UpstreamLoop::stop() {
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(impl_->wake_fd, &one, sizeof one);
    thread_.join();
  }
}

bool UpstreamLoop::post(std::function<void()> task) {
  bool wake = false;
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->stopping || !thread_.joinable()) {
      return false;
    }
    // The loop takes the whole queue at once: only the task that makes it non-empty needs to
    // wake the thread (one eventfd write per batch, not per request).
    wake = impl_->posted.empty();
    impl_->posted.push_back(std::move(task));
  }
  if (wake) {
    const std::uint64_t one = 1;
    (void)!::write(impl_->wake_fd, &one, sizeof one);
  }
  return true;
}

void UpstreamLoop::exchangeUdp(const net::AsEndpoint& peer, std::string request,
                               UdpExchangeOptions options,
                               std::function<void(Result<std::string>)> done) {
  Impl& impl = *impl_;
  auto address = net::socketAddressOf(peer);
  if (!address) {
    impl.complete([done = std::move(done), status = address.status()] { done(status); });
    return;
  }
  const std::string where = net::describe(peer);
  const int fd = ::socket(address->storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    impl.complete([done = std::move(done), status = unavailable(errnoText("socket", errno))] {
      done(status);
    });
    return;
  }
  // Connected: the kernel delivers only the peer's datagrams and reports ICMP port unreachable.
  if (::connect(fd, address->address(), address->length) != 0) {
    const Status status = unavailable(errnoText("connect to " + where, errno));
    ::close(fd);
    impl.complete([done = std::move(done), status] { done(status); });
    return;
  }
  Impl::Exchange& exchange = impl.exchanges[fd];
  exchange.fd = fd;
  exchange.peer = *address;
  exchange.where = where;
  exchange.request = std::move(request);
  exchange.options = options;
  exchange.done = std::move(done);
  impl.watch(fd, Kind::Udp, EPOLLIN, true);
  impl.sendAttempt(exchange);
}

void UpstreamLoop::httpGet(const std::string& url, HttpGetOptions options,
                           std::function<void(Result<HttpGetResponse>)> done) {
  Impl& impl = *impl_;
  CURL* easy = impl.acquireEasy();
  if (easy == nullptr) {
    impl.complete([done = std::move(done)] { done(internalError("curl_easy_init failed")); });
    return;
  }
  auto transfer = std::make_unique<Impl::Transfer>();
  transfer->easy = easy;
  transfer->url = url;
  transfer->max_body = options.max_body;
  transfer->done = std::move(done);
  curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::onCurlBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error.data());
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  impl.transfers.emplace(easy, std::move(transfer));
  if (const CURLMcode code = curl_multi_add_handle(impl.multi, easy); code != CURLM_OK) {
    auto found = impl.transfers.find(easy);
    auto failed = std::move(found->second);
    impl.transfers.erase(found);
    curl_easy_cleanup(easy);
    impl.complete([done = std::move(failed->done), code] {
      done(internalError(std::string("curl_multi_add_handle: ") + curl_multi_strerror(code)));
    });
  }
}

void UpstreamLoop::resolveAllowed(const std::string& host, const AllowList& allowed,
                                  std::function<void(Result<IpAddress>)> done) {
  Impl& impl = *impl_;
  if (auto literal = IpAddress::parse(host)) {
    Result<IpAddress> outcome = *literal;
    if (!allowed.allows(*literal)) {
      outcome = permissionDenied(literal->toString() + " is outside the allowed upstream ranges");
    }
    impl.complete([done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
    return;
  }
  auto* lookup = new Impl::Lookup{&impl, host, allowed, std::move(done)};
  ++impl.lookups;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  ares_getaddrinfo(impl.channel, host.c_str(), nullptr, &hints, &Impl::onAresResult, lookup);
}

std::size_t UpstreamLoop::inFlightForTest() const {
  return impl_->exchanges.size() + impl_->transfers.size() + impl_->lookups;
}

}  // namespace fibdns::upstream
