#include "fibdns/dns/lab_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace fibdns::dns::lab {
namespace {

ARecord record(std::string name, std::array<std::uint8_t, 4> octets, std::uint32_t ttl) {
  return ARecord{std::move(name), Ipv4Address{octets}, ttl};
}

const ARecord kFib = record("fibonacci.com", {172, 18, 0, 2}, 10);

// For failure messages: what a request parsed to.
std::string describe(const Request& request) {
  if (const auto* r = std::get_if<Registration>(&request)) {
    return "Registration{" + r->record.name + " " + r->record.address.toString() + " " +
           std::to_string(r->record.ttl) + "}";
  }
  if (const auto* q = std::get_if<Query>(&request)) {
    return "Query{" + q->name + "}";
  }
  if (const auto* m = std::get_if<Malformed>(&request)) {
    return "Malformed{" + m->reason + "}";
  }
  return "RejectedRegistration{" + std::get<RejectedRegistration>(request).reason + "}";
}

bool isOneCleanLine(const std::string& text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

enum class Want { Registration, Query, Malformed, Rejected };

struct Case {
  const char* label;
  std::string input;
  Want want;
  std::string
      reason_or_name{};  // reason substring (Malformed, Rejected) or normalised name (Query)
  ARecord record{};      // Registration only
};

void expectParse(const Case& c) {
  SCOPED_TRACE(c.label);
  const Request request = parseRequest(c.input);
  switch (c.want) {
    case Want::Registration: {
      const auto* got = std::get_if<Registration>(&request);
      ASSERT_NE(got, nullptr) << describe(request);
      EXPECT_EQ(got->record, c.record) << describe(request);
      return;
    }
    case Want::Query: {
      const auto* got = std::get_if<Query>(&request);
      ASSERT_NE(got, nullptr) << describe(request);
      EXPECT_EQ(got->name, c.reason_or_name);
      return;
    }
    case Want::Malformed: {
      const auto* got = std::get_if<Malformed>(&request);
      ASSERT_NE(got, nullptr) << describe(request);
      EXPECT_NE(got->reason.find(c.reason_or_name), std::string::npos) << got->reason;
      EXPECT_TRUE(isOneCleanLine(got->reason)) << got->reason;
      EXPECT_LE(got->reason.size(), 120U) << got->reason;
      return;
    }
    case Want::Rejected: {
      const auto* got = std::get_if<RejectedRegistration>(&request);
      ASSERT_NE(got, nullptr) << describe(request);
      EXPECT_NE(got->reason.find(c.reason_or_name), std::string::npos) << got->reason;
      EXPECT_TRUE(isOneCleanLine(got->reason)) << got->reason;
      EXPECT_LE(got->reason.size(), 120U) << got->reason;
      return;
    }
  }
}

TEST(LabCodec, AcceptsEveryRegistrationFormClientsSend) {
  const Case cases[] = {
      {"canonical", "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n", Want::Registration,
       "", kFib},
      {"crlf line ends", "TYPE=A\r\nNAME=fibonacci.com\r\nVALUE=172.18.0.2\r\nTTL=10\r\n",
       Want::Registration, "", kFib},
      {"no final newline", "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10",
       Want::Registration, "", kFib},
      {"spaces around line breaks",
       "  TYPE=A \n NAME=fibonacci.com  \n\tVALUE=172.18.0.2 \n TTL=10 ", Want::Registration, "",
       kFib},
      {"fields on one line", "TYPE=A\nNAME=fibonacci.com VALUE=172.18.0.2 TTL=10\n",
       Want::Registration, "", kFib},
      {"all on one line", "TYPE=A NAME=fibonacci.com VALUE=172.18.0.2 TTL=10", Want::Registration,
       "", kFib},
      {"any field order", "TTL=10\nVALUE=172.18.0.2\nNAME=fibonacci.com\nTYPE=A\n",
       Want::Registration, "", kFib},
      {"keys in any case", "type=A\nName=fibonacci.com\nvAlUe=172.18.0.2\nttl=10\n",
       Want::Registration, "", kFib},
      {"type in lowercase", "TYPE=a\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n",
       Want::Registration, "", kFib},
      {"blank lines", "\n\nTYPE=A\n\n\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n\n",
       Want::Registration, "", kFib},
      {"vertical tab and form feed", "TYPE=A\vNAME=fibonacci.com\fVALUE=172.18.0.2\rTTL=10",
       Want::Registration, "", kFib},
      {"name normalised", "TYPE=A\nNAME=FibONACCI.Com.\nVALUE=172.18.0.2\nTTL=10\n",
       Want::Registration, "", kFib},
      {"ttl zero", "TYPE=A\nNAME=a.b\nVALUE=1.2.3.4\nTTL=0\n", Want::Registration, "",
       record("a.b", {1, 2, 3, 4}, 0)},
      {"ttl max", "TYPE=A\nNAME=a.b\nVALUE=1.2.3.4\nTTL=2147483647\n", Want::Registration, "",
       record("a.b", {1, 2, 3, 4}, 2147483647)},
      {"ttl leading zeros", "TYPE=A\nNAME=a.b\nVALUE=1.2.3.4\nTTL=010\n", Want::Registration, "",
       record("a.b", {1, 2, 3, 4}, 10)},
  };
  for (const auto& c : cases) {
    expectParse(c);
  }
}

TEST(LabCodec, AcceptsEveryQueryFormClientsSend) {
  const Case cases[] = {
      {"canonical", "TYPE=A\nNAME=fibonacci.com\n", Want::Query, "fibonacci.com"},
      {"crlf line ends", "TYPE=A\r\nNAME=fibonacci.com\r\n", Want::Query, "fibonacci.com"},
      {"no final newline", "TYPE=A\nNAME=fibonacci.com", Want::Query, "fibonacci.com"},
      {"one line", "TYPE=A NAME=fibonacci.com", Want::Query, "fibonacci.com"},
      {"reversed order", "NAME=fibonacci.com\nTYPE=A\n", Want::Query, "fibonacci.com"},
      {"spaces around line breaks", " TYPE=A \r\n NAME=fibonacci.com \r\n", Want::Query,
       "fibonacci.com"},
      {"keys and type lowercase", "type=a\nname=fibonacci.com\n", Want::Query, "fibonacci.com"},
      {"name uppercase with dot", "TYPE=A\nNAME=FIBONACCI.COM.\n", Want::Query, "fibonacci.com"},
  };
  for (const auto& c : cases) {
    expectParse(c);
  }
}

TEST(LabCodec, ReportsMalformedRequests) {
  const Case cases[] = {
      {"empty", "", Want::Malformed, "empty request"},
      {"whitespace only", " \r\n\t\n", Want::Malformed, "empty request"},
      {"binary", std::string("\x12\x34\x01\x00\x00\x01", 6), Want::Malformed,
       "binary data is not a lab request"},
      {"one binary byte in text", "TYPE=A\nNAME=fib\x80.com\n", Want::Malformed, "binary data"},
      {"nul byte", std::string("TYPE=A\nNAME=a.com\0", 18), Want::Malformed, "binary data"},
      {"over 1 KiB", "TYPE=A\nNAME=a.com\n" + std::string(1100, ' '), Want::Malformed,
       "request over 1024 bytes"},
      {"missing NAME (query)", "TYPE=A\n", Want::Malformed, "missing NAME"},
      {"missing NAME (registration)", "TYPE=A\nVALUE=1.2.3.4\nTTL=10\n", Want::Malformed,
       "missing NAME"},
      {"missing TYPE (query)", "NAME=a.com\n", Want::Malformed, "missing TYPE"},
      {"missing TYPE (registration)", "NAME=a.com\nVALUE=1.2.3.4\nTTL=10\n", Want::Malformed,
       "missing TYPE"},
      {"missing TTL", "TYPE=A\nNAME=a.com\nVALUE=1.2.3.4\n", Want::Malformed, "missing TTL"},
      {"only VALUE", "VALUE=1.2.3.4", Want::Malformed, "missing TYPE, NAME, TTL"},
      {"TTL without VALUE", "TYPE=A\nNAME=a.com\nTTL=10\n", Want::Malformed,
       "TTL given without VALUE"},
      {"repeated key", "TYPE=A\nNAME=a.com\nNAME=b.com\n", Want::Malformed, "repeated key: NAME"},
      {"repeated key other case", "TYPE=A\nNAME=a.com\nname=a.com\n", Want::Malformed,
       "repeated key: NAME"},
      {"unknown key", "TYPE=A\nNAME=a.com\nCLASS=IN\n", Want::Malformed, "unknown key: CLASS"},
      {"token without =", "TYPE=A\nNAME=a.com\nhello\n", Want::Malformed,
       "field without '=': hello"},
      {"space around =", "TYPE = A\nNAME=a.com\n", Want::Malformed, "field without '='"},
      {"token without key", "TYPE=A\nNAME=a.com\n=x\n", Want::Malformed, "field without a key"},
      {"empty NAME", "TYPE=A\nNAME=\n", Want::Malformed, "empty value for NAME"},
      {"empty TYPE", "TYPE=\nNAME=a.com\n", Want::Malformed, "empty value for TYPE"},
      {"empty VALUE", "TYPE=A\nNAME=a.com\nVALUE=\nTTL=10\n", Want::Malformed,
       "empty value for VALUE"},
      {"empty TTL", "TYPE=A\nNAME=a.com\nVALUE=1.2.3.4\nTTL=\n", Want::Malformed,
       "empty value for TTL"},
      {"query TYPE AAAA", "TYPE=AAAA\nNAME=a.com\n", Want::Malformed,
       "unsupported TYPE: AAAA (only A)"},
      {"query invalid name", "TYPE=A\nNAME=a..com\n", Want::Malformed, "invalid name: empty label"},
      {"query underscore", "TYPE=A\nNAME=a_b.com\n", Want::Malformed, "invalid name"},
      {"long unknown key truncated", "TYPE=A\n" + std::string(200, 'K') + "=1\n", Want::Malformed,
       "unknown key: " + std::string(64, 'K') + "..."},
  };
  for (const auto& c : cases) {
    expectParse(c);
  }
}

TEST(LabCodec, RejectsRegistrationsWithInvalidValues) {
  const std::string head = "TYPE=A\nNAME=a.com\n";
  const Case cases[] = {
      {"ipv4 octet over 255", head + "VALUE=256.1.1.1\nTTL=10\n", Want::Rejected,
       "invalid IPv4 address: 256.1.1.1"},
      {"ipv4 three octets", head + "VALUE=1.2.3\nTTL=10\n", Want::Rejected,
       "invalid IPv4 address: 1.2.3"},
      {"ipv4 five octets", head + "VALUE=1.2.3.4.5\nTTL=10\n", Want::Rejected,
       "invalid IPv4 address: 1.2.3.4.5"},
      {"ipv4 leading zero", head + "VALUE=01.2.3.4\nTTL=10\n", Want::Rejected,
       "invalid IPv4 address: 01.2.3.4"},
      {"ipv4 is a name", head + "VALUE=fs.local\nTTL=10\n", Want::Rejected, "invalid IPv4 address"},
      {"value containing =", head + "VALUE=1.2.3.4=5\nTTL=10\n", Want::Rejected,
       "invalid IPv4 address: 1.2.3.4=5"},
      {"name empty label", "TYPE=A\nNAME=a..com\nVALUE=1.2.3.4\nTTL=10\n", Want::Rejected,
       "invalid name: empty label"},
      {"name 64 byte label", "TYPE=A\nNAME=" + std::string(64, 'x') + ".com\nVALUE=1.2.3.4\nTTL=1",
       Want::Rejected, "label longer than 63"},
      {"name 254 bytes",
       "TYPE=A\nNAME=" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
           std::string(63, 'c') + "." + std::string(62, 'd') + "\nVALUE=1.2.3.4\nTTL=1",
       Want::Rejected, "longer than 253"},
      {"name leading hyphen", "TYPE=A\nNAME=-a.com\nVALUE=1.2.3.4\nTTL=10\n", Want::Rejected,
       "starts with a hyphen"},
      {"name underscore", "TYPE=A\nNAME=a_b.com\nVALUE=1.2.3.4\nTTL=10\n", Want::Rejected,
       "character '_' not allowed"},
      {"ttl negative", head + "VALUE=1.2.3.4\nTTL=-1\n", Want::Rejected, "invalid TTL: -1"},
      {"ttl over max", head + "VALUE=1.2.3.4\nTTL=2147483648\n", Want::Rejected,
       "invalid TTL: 2147483648 (want 0..2147483647)"},
      {"ttl over uint32", head + "VALUE=1.2.3.4\nTTL=99999999999\n", Want::Rejected, "invalid TTL"},
      {"ttl word", head + "VALUE=1.2.3.4\nTTL=ten\n", Want::Rejected, "invalid TTL: ten"},
      {"ttl plus sign", head + "VALUE=1.2.3.4\nTTL=+10\n", Want::Rejected, "invalid TTL"},
      {"ttl decimal point", head + "VALUE=1.2.3.4\nTTL=1.5\n", Want::Rejected, "invalid TTL"},
      {"type AAAA", "TYPE=AAAA\nNAME=a.com\nVALUE=1.2.3.4\nTTL=10\n", Want::Rejected,
       "unsupported TYPE: AAAA (only A)"},
      {"type CNAME", "TYPE=CNAME\nNAME=a.com\nVALUE=1.2.3.4\nTTL=10\n", Want::Rejected,
       "unsupported TYPE: CNAME"},
  };
  for (const auto& c : cases) {
    expectParse(c);
  }
}

TEST(LabCodec, AcceptsRequestOfExactly1024Bytes) {
  std::string request = "TYPE=A\nNAME=a.com\n";
  request += std::string(kMaxRequestSize - request.size(), ' ');
  ASSERT_EQ(request.size(), 1024U);
  expectParse({"1024 bytes", request, Want::Query, "a.com"});
  expectParse({"1025 bytes", request + " ", Want::Malformed, "request over 1024 bytes"});
}

TEST(LabCodec, ParsesBytesLikeText) {
  const std::string text = "TYPE=A\r\nNAME=Fibonacci.com\r\n";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  const Request request = parseRequest(std::span<const std::uint8_t>(bytes));
  const auto* query = std::get_if<Query>(&request);
  ASSERT_NE(query, nullptr) << describe(request);
  EXPECT_EQ(query->name, "fibonacci.com");
}

TEST(LabCodec, TellsTextFromBinary) {
  struct TextCase {
    const char* label;
    std::vector<std::uint8_t> bytes;
    bool want_text;
  };
  const TextCase cases[] = {
      {"empty", {}, true},
      {"printable", {'T', 'Y', 'P', 'E', '=', 'A'}, true},
      {"whitespace", {'\t', '\n', '\v', '\f', '\r', ' '}, true},
      {"tilde", {'~'}, true},
      {"nul", {'A', 0x00}, false},
      {"dns header", {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00}, false},
      {"backspace", {0x08}, false},
      {"escape", {0x1B}, false},
      {"delete", {0x7F}, false},
      {"high bit", {'a', 0xC3, 0xA9}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(looksLikeText(c.bytes), c.want_text);
  }
}

TEST(LabCodec, EncodesRepliesByteForByte) {
  struct EncodeCase {
    const char* label;
    std::string got;
    std::string want;
  };
  const EncodeCase cases[] = {
      {"succeeded", encodeRegistrationSucceeded(), "Registration Succeeded!"},
      {"failed", encodeRegistrationFailed("invalid IPv4 address: 300.1.1.1"),
       "Registration Failed!\ninvalid IPv4 address: 300.1.1.1"},
      {"answer", encodeAnswer(kFib), "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n"},
      {"answer max", encodeAnswer(record("a.b", {255, 255, 255, 255}, 2147483647)),
       "TYPE=A\nNAME=a.b\nVALUE=255.255.255.255\nTTL=2147483647\n"},
      {"not found", encodeNotFound(), "NOT FOUND!"},
      {"bad request", encodeBadRequest("missing NAME"), "BAD REQUEST!\nmissing NAME"},
      {"server error", encodeServerError("database is locked"),
       "SERVER ERROR!\ndatabase is locked"},
      {"reason forced onto one line", encodeServerError("disk I/O error\nat line 2\x01"),
       "SERVER ERROR!\ndisk I/O error at line 2?"},
      {"empty reason", encodeBadRequest(""), "BAD REQUEST!\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(c.got, c.want);
  }
}

TEST(LabCodec, EncodesRequestsByteForByte) {
  EXPECT_EQ(encodeRegistration(kFib), "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n");
  EXPECT_EQ(encodeRegistration(record("x.y", {0, 0, 0, 0}, 0)),
            "TYPE=A\nNAME=x.y\nVALUE=0.0.0.0\nTTL=0\n");
  EXPECT_EQ(encodeQuery("fibonacci.com"), "TYPE=A\nNAME=fibonacci.com\n");
}

TEST(LabCodec, RegistrationRoundTrips) {
  const ARecord records[] = {
      kFib,
      record("a.b", {0, 0, 0, 0}, 0),
      record(std::string(63, 'z') + ".example", {255, 255, 255, 255}, kMaxTtl),
  };
  for (const auto& r : records) {
    SCOPED_TRACE(r.name);
    const Request request = parseRequest(encodeRegistration(r));
    const auto* registration = std::get_if<Registration>(&request);
    ASSERT_NE(registration, nullptr) << describe(request);
    EXPECT_EQ(registration->record, r);
  }
}

TEST(LabCodec, QueryRoundTrips) {
  const Request request = parseRequest(encodeQuery("fibonacci.com"));
  const auto* query = std::get_if<Query>(&request);
  ASSERT_NE(query, nullptr) << describe(request);
  EXPECT_EQ(query->name, "fibonacci.com");
}

TEST(LabCodec, AnswerRoundTrips) {
  for (const auto& r : {kFib, record("a.b", {10, 9, 10, 2}, 0)}) {
    SCOPED_TRACE(r.name);
    const Reply reply = parseReply(encodeAnswer(r));
    const auto* answer = std::get_if<Answer>(&reply);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(answer->record, r);
  }
}

TEST(LabCodec, ErrorRepliesRoundTrip) {
  const Reply failed = parseReply(encodeRegistrationFailed("invalid TTL: -1"));
  const auto* error = std::get_if<ErrorReply>(&failed);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, "Registration Failed!");
  EXPECT_EQ(error->reason, "invalid TTL: -1");
  EXPECT_TRUE(
      std::holds_alternative<RegistrationSucceeded>(parseReply(encodeRegistrationSucceeded())));
  EXPECT_TRUE(std::holds_alternative<NotFoundReply>(parseReply(encodeNotFound())));
}

enum class WantReply { Answer, NotFound, Succeeded, Error, Unparsable };

struct ReplyCase {
  const char* label;
  std::string input;
  WantReply want;
  std::string kind_or_reason{};  // ErrorReply kind, or UnparsableReply reason substring
  std::string error_reason{};    // ErrorReply reason
  ARecord record{};              // Answer only
};

TEST(LabCodec, ParsesReplies) {
  const ReplyCase cases[] = {
      {"succeeded", "Registration Succeeded!", WantReply::Succeeded, "", ""},
      {"succeeded trailing newline", "Registration Succeeded!\n", WantReply::Succeeded, "", ""},
      {"succeeded trailing crlf and spaces", "Registration Succeeded!  \r\n", WantReply::Succeeded,
       "", ""},
      {"not found", "NOT FOUND!", WantReply::NotFound, "", ""},
      {"not found trailing newline", "NOT FOUND!\n", WantReply::NotFound, "", ""},
      {"failed with reason", "Registration Failed!\ninvalid IPv4 address: 300.1.1.1",
       WantReply::Error, "Registration Failed!", "invalid IPv4 address: 300.1.1.1"},
      {"failed crlf", "Registration Failed!\r\n bad TTL \r\n", WantReply::Error,
       "Registration Failed!", "bad TTL"},
      {"failed without reason", "Registration Failed!", WantReply::Error, "Registration Failed!",
       ""},
      {"bad request", "BAD REQUEST!\nmissing NAME", WantReply::Error, "BAD REQUEST!",
       "missing NAME"},
      {"server error", "SERVER ERROR!\ndatabase is locked\n", WantReply::Error, "SERVER ERROR!",
       "database is locked"},
      {"only second line kept", "BAD REQUEST!\nfirst\nsecond", WantReply::Error, "BAD REQUEST!",
       "first"},
      {"answer canonical", "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\n",
       WantReply::Answer, "", "", kFib},
      {"answer other order", "VALUE=172.18.0.2\nTTL=10\nTYPE=A\nNAME=fibonacci.com",
       WantReply::Answer, "", "", kFib},
      {"answer one line crlf", "TYPE=A NAME=Fibonacci.com. VALUE=172.18.0.2 TTL=10\r\n",
       WantReply::Answer, "", "", kFib},
      {"answer lowercase keys", "type=a\nname=fibonacci.com\nvalue=172.18.0.2\nttl=10\n",
       WantReply::Answer, "", "", kFib},
      {"answer extra field ignored",
       "TYPE=A\nNAME=fibonacci.com\nVALUE=172.18.0.2\nTTL=10\nCLASS=IN\n", WantReply::Answer, "",
       "", kFib},
      {"empty", "", WantReply::Unparsable, "empty reply"},
      {"whitespace", " \n", WantReply::Unparsable, "empty reply"},
      {"binary", std::string("\x00\x01\x02", 3), WantReply::Unparsable, "binary"},
      {"prose", "hello world", WantReply::Unparsable, "unrecognised reply"},
      {"succeeded lowercase", "registration succeeded!", WantReply::Unparsable,
       "unrecognised reply"},
      {"succeeded with junk", "Registration Succeeded!\nmore", WantReply::Unparsable,
       "unrecognised reply"},
      {"answer missing VALUE", "TYPE=A\nNAME=fibonacci.com\nTTL=10\n", WantReply::Unparsable,
       "missing VALUE"},
      {"answer missing TTL", "TYPE=A\nNAME=a.com\nVALUE=1.2.3.4\n", WantReply::Unparsable,
       "missing TTL"},
      {"answer bad ip", "TYPE=A\nNAME=a.com\nVALUE=1.2.3.999\nTTL=10\n", WantReply::Unparsable,
       "invalid IPv4 address"},
      {"answer bad type", "TYPE=MX\nNAME=a.com\nVALUE=1.2.3.4\nTTL=10\n", WantReply::Unparsable,
       "unsupported TYPE"},
      {"answer bad name", "TYPE=A\nNAME=a..com\nVALUE=1.2.3.4\nTTL=10\n", WantReply::Unparsable,
       "invalid name"},
      {"answer bad ttl", "TYPE=A\nNAME=a.com\nVALUE=1.2.3.4\nTTL=-5\n", WantReply::Unparsable,
       "invalid TTL"},
      {"answer repeated key", "TYPE=A\nNAME=a.com\nNAME=b.com\nVALUE=1.2.3.4\nTTL=10\n",
       WantReply::Unparsable, "repeated key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Reply reply = parseReply(c.input);
    switch (c.want) {
      case WantReply::Answer: {
        const auto* got = std::get_if<Answer>(&reply);
        ASSERT_NE(got, nullptr) << "index " << reply.index();
        EXPECT_EQ(got->record, c.record);
        break;
      }
      case WantReply::NotFound:
        EXPECT_TRUE(std::holds_alternative<NotFoundReply>(reply)) << "index " << reply.index();
        break;
      case WantReply::Succeeded:
        EXPECT_TRUE(std::holds_alternative<RegistrationSucceeded>(reply))
            << "index " << reply.index();
        break;
      case WantReply::Error: {
        const auto* got = std::get_if<ErrorReply>(&reply);
        ASSERT_NE(got, nullptr) << "index " << reply.index();
        EXPECT_EQ(got->kind, c.kind_or_reason);
        EXPECT_EQ(got->reason, c.error_reason);
        break;
      }
      case WantReply::Unparsable: {
        const auto* got = std::get_if<UnparsableReply>(&reply);
        ASSERT_NE(got, nullptr) << "index " << reply.index();
        EXPECT_NE(got->reason.find(c.kind_or_reason), std::string::npos) << got->reason;
        EXPECT_TRUE(isOneCleanLine(got->reason)) << got->reason;
        break;
      }
    }
  }
}

TEST(LabCodec, ErrorReplyReasonIsOneLine) {
  const Reply reply = parseReply("SERVER ERROR!\n\tdisk\tfull\vnow \r\nsecond line");
  const auto* error = std::get_if<ErrorReply>(&reply);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->reason, "disk full now");
}

TEST(LabCodec, ErrorReplyWithControlBytesIsUnparsable) {
  const Reply reply = parseReply(std::string("SERVER ERROR!\ndisk\x01full"));
  EXPECT_TRUE(std::holds_alternative<UnparsableReply>(reply)) << "index " << reply.index();
}

}  // namespace
}  // namespace fibdns::dns::lab
