#include "fibdns/security/tsig_keyfile.h"

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "dns/ascii.h"
#include "fibdns/dns/name.h"
#include "fibdns/dns/wire_reader.h"

namespace fibdns::security {
namespace {

enum class TokenKind { Word, String, OpenBrace, CloseBrace, Semicolon, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  std::size_t line = 0;
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool isDelimiter(char c) { return isSpace(c) || c == '{' || c == '}' || c == ';' || c == '"'; }

// Splits named.conf-style text into tokens, skipping whitespace and the three comment styles.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<Token> next() {
    skipBlanks();
    if (!error_.isOk()) {
      return error_;
    }
    Token token;
    token.line = line_;
    if (pos_ >= text_.size()) {
      return token;
    }
    const char c = text_[pos_];
    if (c == '{' || c == '}' || c == ';') {
      ++pos_;
      token.kind = c == '{'   ? TokenKind::OpenBrace
                   : c == '}' ? TokenKind::CloseBrace
                              : TokenKind::Semicolon;
      token.text = std::string(1, c);
      return token;
    }
    if (c == '"') {
      ++pos_;
      token.kind = TokenKind::String;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\n') {
          ++line_;
        }
        token.text += text_[pos_++];
      }
      if (pos_ >= text_.size()) {
        return invalidArgument("line " + std::to_string(token.line) + ": unterminated string");
      }
      ++pos_;
      return token;
    }
    token.kind = TokenKind::Word;
    while (pos_ < text_.size() && !isDelimiter(text_[pos_]) && !startsComment()) {
      token.text += text_[pos_++];
    }
    return token;
  }

 private:
  bool startsComment() const {
    if (text_[pos_] == '#') {
      return true;
    }
    return text_[pos_] == '/' && pos_ + 1 < text_.size() &&
           (text_[pos_ + 1] == '/' || text_[pos_ + 1] == '*');
  }

  void skipBlanks() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (isSpace(c)) {
        ++pos_;
      } else if (c == '#' || (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
        skipLine();
      } else if (startsComment()) {
        const std::size_t start_line = line_;
        pos_ += 2;
        while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) {
          if (text_[pos_] == '\n') {
            ++line_;
          }
          ++pos_;
        }
        if (pos_ + 1 >= text_.size()) {
          error_ =
              invalidArgument("line " + std::to_string(start_line) + ": unterminated /* comment");
          pos_ = text_.size();
          return;
        }
        pos_ += 2;
      } else {
        return;
      }
    }
  }

  void skipLine() {
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  Status error_;
};

std::string at(std::size_t line, const std::string& reason) {
  return "line " + std::to_string(line) + ": " + reason;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::End:
      return "end of file";
    case TokenKind::String:
      return "a quoted string";
    default:
      return "'" + dns::printableEcho(token.text) + "'";
  }
}

// Base64 through OpenSSL. EVP_DecodeBlock counts '=' padding as zero bytes, so they come off.
std::optional<std::vector<std::uint8_t>> decodeBase64(std::string_view quoted) {
  std::string text;
  for (const char c : quoted) {
    if (!isSpace(c)) {
      text += c;
    }
  }
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int decoded =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (decoded < 0) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    ++padding;
  }
  if (padding > 2) {
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(decoded) - padding);
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<std::vector<TsigKey>> parse() {
    std::vector<TsigKey> keys;
    for (;;) {
      auto token = lexer_.next();
      if (!token) {
        return token.status();
      }
      if (token->kind == TokenKind::End) {
        break;
      }
      if (token->kind != TokenKind::Word || token->text != "key") {
        return invalidArgument(at(token->line, "expected 'key', found " + describe(*token)));
      }
      auto key = parseKey();
      if (!key) {
        return key.status();
      }
      for (const TsigKey& earlier : keys) {
        if (earlier.name.key() == key->name.key()) {
          return invalidArgument(
              at(token->line, "key '" + std::string(key->name.key()) + "' defined twice"));
        }
      }
      keys.push_back(std::move(key).value());
    }
    if (keys.empty()) {
      return invalidArgument("no key statement in the file");
    }
    return keys;
  }

 private:
  Result<Token> expect(TokenKind kind, const char* what) {
    auto token = lexer_.next();
    if (!token) {
      return token.status();
    }
    if (token->kind != kind) {
      return invalidArgument(
          at(token->line, std::string("expected ") + what + ", found " + describe(*token)));
    }
    return token;
  }

  Result<TsigKey> parseKey() {
    auto name_token = lexer_.next();
    if (!name_token) {
      return name_token.status();
    }
    if (name_token->kind != TokenKind::Word && name_token->kind != TokenKind::String) {
      return invalidArgument(
          at(name_token->line, "expected a key name, found " + describe(*name_token)));
    }
    auto name = keyNameFromText(name_token->text);
    if (!name) {
      return invalidArgument(at(name_token->line, name.status().message()));
    }
    if (auto open = expect(TokenKind::OpenBrace, "'{'"); !open) {
      return open.status();
    }
    std::optional<TsigAlgorithm> algorithm;
    std::optional<std::vector<std::uint8_t>> secret;
    for (;;) {
      auto option = lexer_.next();
      if (!option) {
        return option.status();
      }
      if (option->kind == TokenKind::CloseBrace) {
        if (!algorithm) {
          return invalidArgument(at(option->line, "key has no algorithm"));
        }
        if (!secret) {
          return invalidArgument(at(option->line, "key has no secret"));
        }
        break;
      }
      if (option->kind != TokenKind::Word) {
        return invalidArgument(
            at(option->line, "expected 'algorithm', 'secret' or '}', found " + describe(*option)));
      }
      if (option->text == "algorithm") {
        if (algorithm) {
          return invalidArgument(at(option->line, "algorithm given twice"));
        }
        auto value = lexer_.next();
        if (!value) {
          return value.status();
        }
        if (value->kind != TokenKind::Word && value->kind != TokenKind::String) {
          return invalidArgument(
              at(value->line, "expected an algorithm name, found " + describe(*value)));
        }
        algorithm = tsigAlgorithmFromName(value->text);
        if (!algorithm) {
          return invalidArgument(at(value->line, "unsupported algorithm '" +
                                                     dns::printableEcho(value->text) +
                                                     "' (hmac-sha1, hmac-sha256, hmac-sha512)"));
        }
      } else if (option->text == "secret") {
        if (secret) {
          return invalidArgument(at(option->line, "secret given twice"));
        }
        auto value = expect(TokenKind::String, "a quoted base64 secret");
        if (!value) {
          return value.status();
        }
        secret = decodeBase64(value->text);
        if (!secret || secret->empty()) {
          return invalidArgument(at(value->line, "secret is not valid base64"));
        }
      } else {
        return invalidArgument(
            at(option->line, "unknown key option '" + dns::printableEcho(option->text) + "'"));
      }
      if (auto end = expect(TokenKind::Semicolon, "';'"); !end) {
        return end.status();
      }
    }
    if (auto end = expect(TokenKind::Semicolon, "';' after '}'"); !end) {
      return end.status();
    }
    TsigKey key;
    key.name = std::move(name).value();
    key.algorithm = *algorithm;
    key.secret = std::move(*secret);
    return key;
  }

  Lexer lexer_;
};

}  // namespace

Result<dns::WireName> keyNameFromText(std::string_view text) {
  if (!text.empty() && text.back() == '.') {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return invalidArgument("invalid key name: empty");
  }
  std::vector<std::uint8_t> wire;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) {
      dot = text.size();
    }
    const std::size_t length = dot - start;
    if (length == 0 || length > dns::kMaxLabelLength) {
      return invalidArgument("invalid key name: labels must be 1 to 63 bytes");
    }
    wire.push_back(static_cast<std::uint8_t>(length));
    for (std::size_t i = start; i < dot; ++i) {
      const char c = text[i];
      if (c <= 0x20 || c >= 0x7F || isDelimiter(c)) {
        return invalidArgument("invalid key name: unexpected character");
      }
      wire.push_back(dns::toLowerAscii(static_cast<std::uint8_t>(c)));
    }
    start = dot + 1;
  }
  wire.push_back(0);
  // Through the one name parser, which also enforces the 255-byte limit.
  dns::WireReader reader(wire);
  dns::WireName name;
  if (!dns::WireName::fromWire(reader, name)) {
    return invalidArgument("invalid key name: longer than 255 bytes");
  }
  return name;
}

Result<std::vector<TsigKey>> parseTsigKeyFile(std::string_view text) {
  return Parser(text).parse();
}

Result<TsigKeyring> parseTsigKeyring(std::string_view text) {
  auto keys = parseTsigKeyFile(text);
  if (!keys) {
    return keys.status();
  }
  TsigKeyring keyring;
  for (TsigKey& key : keys.value()) {
    // Names are unique: parseTsigKeyFile reported any repeat with its line.
    (void)keyring.add(std::move(key));
  }
  return keyring;
}

}  // namespace fibdns::security
