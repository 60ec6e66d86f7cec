#include "security/openssl_mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string_view>

namespace fibdns::security::detail {
namespace {

// EVP_MAC_fetch is costly; the fetched algorithm objects are immutable and thread-safe, so each
// is fetched once for the process.
EVP_MAC* fetchedMac(const char* name) {
  // Never freed: they live as long as the process, like OpenSSL's own provider tables.
  if (std::string_view(name) == OSSL_MAC_NAME_HMAC) {
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    return hmac;
  }
  static EVP_MAC* const siphash = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_SIPHASH, nullptr);
  return siphash;
}

const char* digestName(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::HmacSha1:
      return "SHA1";
    case TsigAlgorithm::HmacSha256:
      return "SHA256";
    case TsigAlgorithm::HmacSha512:
      return "SHA512";
  }
  return "SHA256";
}

}  // namespace

struct Mac::Context {
  EVP_MAC_CTX* ctx = nullptr;
  ~Context() { EVP_MAC_CTX_free(ctx); }
};

Mac::Mac(Mac&&) noexcept = default;
Mac& Mac::operator=(Mac&&) noexcept = default;
Mac::~Mac() = default;

Mac Mac::withContext(const char* mac_name) {
  Mac mac;
  EVP_MAC* const algo = fetchedMac(mac_name);
  if (algo == nullptr) {
    return mac;
  }
  mac.context_ = std::make_unique<Context>();
  mac.context_->ctx = EVP_MAC_CTX_new(algo);
  return mac;
}

Mac Mac::hmac(TsigAlgorithm algorithm, std::span<const std::uint8_t> key) {
  Mac mac = withContext(OSSL_MAC_NAME_HMAC);
  if (mac.context_ == nullptr || mac.context_->ctx == nullptr) {
    return mac;
  }
  // OSSL_PARAM wants a mutable char*; OpenSSL only reads it.
  char* digest =
      const_cast<char*>(digestName(algorithm));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // HMAC accepts an empty key (RFC 2104 pads it); OpenSSL wants a non-null pointer for it.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_bytes = key.empty() ? &kEmpty : key.data();
  mac.ok_ = EVP_MAC_init(mac.context_->ctx, key_bytes, key.size(), params) == 1;
  return mac;
}

Mac Mac::siphash24(std::span<const std::uint8_t, 16> key) {
  Mac mac = withContext(OSSL_MAC_NAME_SIPHASH);
  if (mac.context_ == nullptr || mac.context_->ctx == nullptr) {
    return mac;
  }
  // 8-byte output, 2 compression and 4 finalisation rounds: SipHash-2-4 (OpenSSL's defaults,
  // stated so that a changed default cannot silently change our cookies).
  std::size_t size = 8;
  unsigned int c_rounds = 2;
  unsigned int d_rounds = 4;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                               OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c_rounds),
                               OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d_rounds),
                               OSSL_PARAM_construct_end()};
  mac.ok_ = EVP_MAC_init(mac.context_->ctx, key.data(), key.size(), params) == 1;
  return mac;
}

bool siphash24(std::span<const std::uint8_t, 16> key,
               std::initializer_list<std::span<const std::uint8_t>> pieces,
               std::span<std::uint8_t, 8> out) {
  struct ThreadContext {
    EVP_MAC_CTX* ctx = nullptr;
    ~ThreadContext() { EVP_MAC_CTX_free(ctx); }
  };
  thread_local ThreadContext cached;
  const OSSL_PARAM* params = nullptr;
  std::size_t size = 8;
  unsigned int c_rounds = 2;
  unsigned int d_rounds = 4;
  const OSSL_PARAM first_params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                                     OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c_rounds),
                                     OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d_rounds),
                                     OSSL_PARAM_construct_end()};
  if (cached.ctx == nullptr) {
    EVP_MAC* const algo = fetchedMac(OSSL_MAC_NAME_SIPHASH);
    cached.ctx = algo == nullptr ? nullptr : EVP_MAC_CTX_new(algo);
    if (cached.ctx == nullptr) {
      return false;
    }
    params = first_params;  // they stay set in the context for later calls
  }
  // Initialising with the key every time resets the state: nothing of the last call remains.
  if (EVP_MAC_init(cached.ctx, key.data(), key.size(), params) != 1) {
    return false;
  }
  for (const auto piece : pieces) {
    if (!piece.empty() && EVP_MAC_update(cached.ctx, piece.data(), piece.size()) != 1) {
      return false;
    }
  }
  std::size_t length = 0;
  return EVP_MAC_final(cached.ctx, out.data(), &length, out.size()) == 1 && length == out.size();
}

void Mac::update(std::span<const std::uint8_t> bytes) {
  if (ok_ && !bytes.empty()) {
    ok_ = EVP_MAC_update(context_->ctx, bytes.data(), bytes.size()) == 1;
  }
}

std::size_t Mac::finish(std::span<std::uint8_t, kMaxMacLength> out) {
  std::size_t length = 0;
  if (!ok_ || EVP_MAC_final(context_->ctx, out.data(), &length, out.size()) != 1) {
    ok_ = false;
    return 0;
  }
  return length;
}

bool constantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace fibdns::security::detail
