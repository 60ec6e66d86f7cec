#include "fibdns/upstream/self_registration.h"

#include <algorithm>
#include <future>
#include <memory>
#include <utility>

#include "fibdns/common/logging.h"
#include "fibdns/dns/ipv4.h"
#include "fibdns/dns/name.h"
#include "fibdns/upstream/host_resolver.h"

namespace fibdns::upstream {

SelfRegistration::SelfRegistration(const http::Registrar& registrar,
                                   SelfRegistrationOptions options)
    : registrar_(registrar), options_(std::move(options)) {}

SelfRegistration::~SelfRegistration() { stop(); }

void SelfRegistration::start() {
  thread_ = std::thread([this] { run(); });
}

void SelfRegistration::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Status SelfRegistration::attempt() const {
  auto as_ip = resolveAddress(options_.as_host);
  if (!as_ip) {
    return as_ip.status();
  }
  std::string ip = options_.ip;
  if (ip == "auto") {
    auto source = sourceAddressTowards(*as_ip, options_.as_port);
    if (!source) {
      return source.status();
    }
    ip = *source;
  }
  auto address = dns::parseIpv4(ip);
  if (!address) {
    return address.status();
  }
  auto name = dns::normalizeHostName(options_.name);
  if (!name) {
    return name.status();
  }
  const dns::ARecord record{*name, *address, options_.ttl};
  // The Registrar answers on its own thread; this thread has nothing else to do meanwhile.
  auto outcome = std::make_shared<std::promise<Status>>();
  std::future<Status> answered = outcome->get_future();
  registrar_.registerRecord(net::AsEndpoint{*as_ip, options_.as_port}, record,
                            [outcome](Status status) { outcome->set_value(std::move(status)); });
  if (Status status = answered.get(); !status.isOk()) {
    return status;
  }
  log::info("fs", "registered " + record.name + " A " + ip + " ttl " + std::to_string(record.ttl) +
                      " with the AS at " + net::describe({*as_ip, options_.as_port}));
  return Status::ok();
}

void SelfRegistration::run() {
  std::chrono::milliseconds delay = options_.first_delay;
  for (int attempt_number = 1;; ++attempt_number) {
    const Status status = attempt();
    if (status.isOk()) {
      return;
    }
    log::warn("fs", "self-registration attempt " + std::to_string(attempt_number) +
                        " failed: " + status.message() + "; retrying in " +
                        std::to_string(delay.count()) + " ms");
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) {
      return;
    }
    delay = std::min(delay * 2, options_.max_delay);
  }
}

}  // namespace fibdns::upstream
