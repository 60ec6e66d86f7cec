#include "fibdns/fib/fibonacci.h"

#include <gmp.h>

#include <cassert>
#include <cstddef>

namespace fibdns::fib {
namespace {

/// Owns an mpz_t for the duration of one computation.
class Mpz {
 public:
  Mpz() { mpz_init(value_); }
  ~Mpz() { mpz_clear(value_); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;

  mpz_ptr get() { return value_; }

 private:
  mpz_t value_;
};

}  // namespace

std::string fibonacci(std::uint64_t n) {
  assert(n <= kMaxComputableIndex && "fibonacci(n): caller must bound n");
  Mpz value;
  mpz_fib_ui(value.get(), static_cast<unsigned long>(n));
  // mpz_sizeinbase may overestimate by one digit; size the buffer with it (plus the NUL) and trim
  // to what mpz_get_str actually wrote.
  std::string text(mpz_sizeinbase(value.get(), 10) + 1, '\0');
  mpz_get_str(text.data(), 10, value.get());
  text.resize(std::char_traits<char>::length(text.c_str()));
  return text;
}

}  // namespace fibdns::fib
