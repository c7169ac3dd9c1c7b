#include "vmath.h"

#include <cmath>
#include <cstdint>
#include <cstring>

// One clone per instruction set, picked once at load time by the dynamic linker (GCC and
// Clang on x86-64 ELF); elsewhere the plain loop, which the compiler still vectorizes for
// the baseline. Every clone does the same IEEE operations in the same order, so results are
// identical across machines (no FMA contraction: the build is ISO C++, fp-contract off).
#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define DNSGD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DNSGD_CLONES
#endif

namespace dnsgd {

namespace {

// exp(x) = 2^k exp(r), k = round(x / ln 2), |r| <= ln 2 / 2, with ln 2 split in a high part
// exact in 32 bits and a low part (Cody and Waite), and exp(r) as its Taylor series to r^13
// (truncation below 1e-17 relative on that interval).
inline double exp_one(double x) {
  const double kLog2e = 1.4426950408889634074;
  const double kLn2Hi = 6.93147180369123816490e-01;
  const double kLn2Lo = 1.90821492927058770002e-10;
  const double kShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  double xc = x < -708.0 ? -708.0 : x;
  xc = xc > 709.78 ? 709.78 : xc;
  double kd = xc * kLog2e + kShift;
  double k = kd - kShift;
  double r = (xc - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // Scale by 2^k through the exponent bits: k sits in the low bits of kd. Unsigned
  // arithmetic wraps by definition, which is exactly the two's-complement add wanted (and
  // keeps a NaN input, whose kd is garbage, free of undefined behaviour).
  uint64_t kbits, pbits, shiftbits;
  std::memcpy(&kbits, &kd, sizeof kbits);
  std::memcpy(&pbits, &p, sizeof pbits);
  std::memcpy(&shiftbits, &kShift, sizeof shiftbits);
  pbits += (kbits - shiftbits) << 52;
  double out;
  std::memcpy(&out, &pbits, sizeof out);
  out = x > 709.78 ? INFINITY : out;
  out = x < -708.0 ? 0.0 : out;  // flush what would be subnormal (below 2.3e-308) to zero
  return x != x ? x : out;  // NaN in, NaN out
}

}  // namespace

// A double is NaN or infinite exactly when its exponent bits are all ones. The test is an
// integer OR over whole vectors, where a floating-point one would be a serial chain.
DNSGD_CLONES bool all_finite(const double* v, size_t n) {
  const uint64_t mask = 0x7FF0000000000000ull;
  uint64_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    bad |= (uint64_t)((bits & mask) == mask);
  }
  return bad == 0;
}

DNSGD_CLONES void exp_inplace(double* v, int n) {
  for (int i = 0; i < n; ++i) v[i] = exp_one(v[i]);
}

DNSGD_CLONES void sigmoid_inplace(double* v, int n) {
  for (int i = 0; i < n; ++i) v[i] = 1.0 / (1.0 + exp_one(-v[i]));
}

}  // namespace dnsgd
