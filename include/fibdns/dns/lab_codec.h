#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "fibdns/dns/a_record.h"

/// The lab's text protocol over UDP (../shared/spec/protocol.md): KEY=VALUE fields separated by
/// any ASCII whitespace, keys case-insensitive, order free. Pure: no I/O.
namespace fibdns::dns::lab {

inline constexpr std::size_t kMaxRequestSize = 1024;

/// TYPE=A, NAME=..., VALUE=..., TTL=...: store this record.
struct Registration {
  ARecord record;
};
/// TYPE=A, NAME=...: what is the address of this (normalised) name?
struct Query {
  std::string name;
};
/// Syntactically broken: the reply is "BAD REQUEST!\n<reason>".
struct Malformed {
  std::string reason;
};
/// A well-formed registration with an invalid value: "Registration Failed!\n<reason>".
struct RejectedRegistration {
  std::string reason;
};

using Request = std::variant<Registration, Query, Malformed, RejectedRegistration>;

/// True when every byte is printable ASCII or ASCII whitespace: such a datagram is a lab text
/// request; anything else is binary (a DNS wire-format message, or garbage).
bool looksLikeText(std::span<const std::uint8_t> datagram);

/// True when the text starts (after whitespace) with one of the AS's reply words
/// ("Registration Succeeded!", "Registration Failed!", "NOT FOUND!", "BAD REQUEST!",
/// "SERVER ERROR!"). A server must never answer such a datagram: it is another server's reply,
/// and answering it would start a reflection loop (e.g. with a spoofed source).
bool looksLikeReply(std::string_view datagram);

/// Parses one datagram. Never throws; every input maps to exactly one alternative.
Request parseRequest(std::span<const std::uint8_t> datagram);
Request parseRequest(std::string_view datagram);

// Replies, byte for byte as the contract says.
std::string encodeRegistrationSucceeded();                      // "Registration Succeeded!"
std::string encodeRegistrationFailed(std::string_view reason);  // "Registration Failed!\n<reason>"
std::string encodeAnswer(const ARecord& record);         // "TYPE=A\nNAME=n\nVALUE=ip\nTTL=t\n"
std::string encodeNotFound();                            // "NOT FOUND!"
std::string encodeBadRequest(std::string_view reason);   // "BAD REQUEST!\n<reason>"
std::string encodeServerError(std::string_view reason);  // "SERVER ERROR!\n<reason>"

// Requests, as a client (FS, US) sends them.
std::string encodeRegistration(const ARecord& record);  // "TYPE=A\nNAME=..\nVALUE=..\nTTL=..\n"
std::string encodeQuery(std::string_view name);         // "TYPE=A\nNAME=..\n"

/// What a client makes of the AS's reply.
struct Answer {
  ARecord record;
};
struct NotFoundReply {};
struct RegistrationSucceeded {};
/// "Registration Failed!", "BAD REQUEST!" or "SERVER ERROR!" with its reason line.
struct ErrorReply {
  std::string kind;    // first line, e.g. "Registration Failed!"
  std::string reason;  // second line, may be empty
};
/// Nothing we understand.
struct UnparsableReply {
  std::string reason;
};
using Reply =
    std::variant<Answer, NotFoundReply, RegistrationSucceeded, ErrorReply, UnparsableReply>;

/// Parses a reply. An answer's fields are read by key, not by position.
Reply parseReply(std::string_view datagram);

}  // namespace fibdns::dns::lab
