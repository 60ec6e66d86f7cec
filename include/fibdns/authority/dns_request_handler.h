#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fibdns/authority/dns_responder.h"
#include "fibdns/authority/record_cache.h"
#include "fibdns/authority/record_repository.h"
#include "fibdns/common/result.h"
#include "fibdns/dns/message.h"
#include "fibdns/dns/wire_name.h"
#include "fibdns/security/dns_cookie.h"
#include "fibdns/security/ip_address.h"
#include "fibdns/security/tsig.h"
#include "fibdns/security/update_acl.h"
#include "fibdns/transfer/change_set.h"
#include "fibdns/update/update_message.h"

namespace fibdns::authority {

/// How requests are authenticated and who may change the zones. Built at start-up, then only
/// read, by every thread.
struct DnsSecurity {
  const security::TsigKeyring* keyring = nullptr;    // null: no keys (signed requests: BADKEY)
  const security::ServerCookies* cookies = nullptr;  // null: COOKIE options are ignored
  const security::UpdateAcl* update_acl = nullptr;   // null: every UPDATE is REFUSED
  /// Who may transfer the zones (AXFR/IXFR): CIDRs and TSIG key names, as for updates.
  const security::UpdateAcl* transfer_acl = nullptr;  // null: every transfer is REFUSED
};

/// Reads the IXFR journal: the changes from serial `from` to `to`, or NotFound when the journal
/// no longer holds them (the answer is then the whole zone).
using JournalReader =
    std::function<Result<std::vector<transfer::ChangeSet>>(std::uint32_t from, std::uint32_t to)>;
/// Takes one message of a (possibly multi-message) answer.
using MessageSink = std::function<void(std::span<const std::uint8_t> message)>;

/// An UPDATE that passed every check that does not depend on the records (TSIG, shape, zone,
/// permission). The writer plans it against the newest records, so prerequisites and updates
/// are evaluated atomically with the commit, then answers it with updateReply().
struct PendingUpdate {
  dns::Header header;
  update::UpdateMessage message;
  std::optional<security::TsigVerdict> verdict;  // set when the request was signed (and verified)
};

/// A DNS message in, what to do out: the one place where standard DNS requests meet TSIG,
/// cookies, the update ACL and the responder. Pure (no sockets, no clock: `now` is given) and
/// immutable: one instance serves every thread.
class DnsRequestHandler {
 public:
  struct Outcome {
    std::optional<std::size_t> reply;       // bytes of `out` to send now; none: send nothing
    std::shared_ptr<PendingUpdate> update;  // set: commit it, then send updateReply()
    bool valid_server_cookie = false;       // the client proved its address (RRL lets it pass)
    bool refused_write = false;             // an UPDATE was refused (the caller logs it)
  };

  /// `responder` must outlive the handler; `security`'s objects too.
  DnsRequestHandler(const DnsResponder& responder, const ZoneConfig& zones, DnsSecurity security);

  /// Handles one request (a datagram or a TCP frame without its length).
  /// @param now seconds since the Unix epoch (TSIG, cookies)
  /// @param out where the reply goes (65535 bytes for TCP, at least 1232 for UDP)
  Outcome handle(std::span<const std::uint8_t> message, const security::IpAddress& source,
                 Transport transport, std::uint64_t now, const RecordCache& zone,
                 std::span<std::uint8_t> out) const;

  /// Zone transfers (AXFR, RFC 5936; IXFR, RFC 1995) with their access control (the transfer
  /// ACL: source CIDRs or TSIG keys; refused: REFUSED) and TSIG (every message signed, RFC 8945
  /// §5.3.1). AXFR over UDP is NOTIMP, a name that is not an apex NOTAUTH, IXFR over UDP the
  /// single SOA or TC. Answered from one snapshot, `zone`, however many messages it takes.
  /// @return false when `message` is not a transfer query (use handle()); otherwise the answer
  ///         went to `send`, and `refused` tells whether the ACL refused it.
  bool handleTransfer(std::span<const std::uint8_t> message, const security::IpAddress& source,
                      Transport transport, std::uint64_t now, const RecordCache& zone,
                      const JournalReader& journal, const MessageSink& send,
                      bool& refused) const;

  /// The reply to send when the limiter holds a DNS reply back but lets it slip (RFC RRL): the
  /// header and question only, with TC set, so a real client retries over TCP. Works in place
  /// on a reply this handler wrote; returns its new size (0 when it cannot be read).
  static std::size_t slipReply(std::span<std::uint8_t> reply);

  /// On the writer thread: works out the update's changes against `zone`. The UPDATE RCODE goes
  /// to `rcode`; a non-Ok Status (FailedPrecondition naming the reason) when it is not NOERROR.
  Status plan(const PendingUpdate& update, const RecordCache& zone,
              std::vector<RecordChange>& changes, update::UpdateRcode& rcode) const;

  /// The reply to an update (signed when the request was).
  std::vector<std::uint8_t> updateReply(const PendingUpdate& update, update::UpdateRcode rcode,
                                        std::uint64_t now) const;

 private:
  std::optional<std::size_t> notAuthReply(const dns::Header& header,
                                          const security::TsigVerdict& verdict,
                                          std::uint64_t now, std::span<std::uint8_t> out) const;
  std::optional<std::size_t> updateReplyInto(const dns::Header& header,
                                             const update::UpdateMessage* message,
                                             update::UpdateRcode rcode,
                                             const std::optional<security::TsigVerdict>& verdict,
                                             std::uint64_t now,
                                             std::span<std::uint8_t> out) const;

  const DnsResponder& responder_;
  ZoneConfig zones_;
  std::vector<dns::WireName> apexes_;
  dns::WireName primary_ns_;
  dns::WireName hostmaster_;
  DnsSecurity security_;
  security::TsigKeyring no_keys_;  // used when security_.keyring is null
};

}  // namespace fibdns::authority
