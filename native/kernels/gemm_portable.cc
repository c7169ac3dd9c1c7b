// Portable micro-kernel in plain C++, for processors without AVX2 (and every non-x86 one).
// The compiler vectorises it with whatever the baseline target offers (SSE2, NEON).
#include <cstddef>

#include "blocking.h"
#include "gemm_internal.h"
#include "gemm_pack.h"

namespace dnsgd {
namespace detail {
namespace {

using B = blocking::Portable;

// Always computes the full MR x NR tile from zero-padded panels and stores only the
// mr x nr part inside C: one code path, so results never depend on how C is tiled.
void tile(int kc, const double* a, const double* b, double* c, ptrdiff_t ldc, double alpha,
          double beta, int mr, int nr) {
  double acc[B::MR][B::NR] = {};
  for (int p = 0; p < kc; ++p, a += B::MR, b += B::NR)
    for (int i = 0; i < B::MR; ++i)
      for (int j = 0; j < B::NR; ++j) acc[i][j] += a[i] * b[j];
  for (int i = 0; i < mr; ++i) {
    double* ci = c + i * ldc;
    for (int j = 0; j < nr; ++j) {
      const double r = alpha * acc[i][j];
      ci[j] = beta == 0.0 ? r : beta * ci[j] + r;
    }
  }
}

void block(const BlockArgs& x) {
  const double* bp = x.b;
  for (int jr = 0; jr < x.nc; jr += B::NR, bp += static_cast<ptrdiff_t>(B::NR) * x.kc) {
    const int nr = x.nc - jr < B::NR ? x.nc - jr : B::NR;
    const double* ap = x.a;
    for (int ir = 0; ir < x.mc; ir += B::MR, ap += x.a_step) {
      const int mr = x.mc - ir < B::MR ? x.mc - ir : B::MR;
      tile(x.kc, ap, bp, x.c + ir * x.ldc + jr, x.ldc, x.alpha, x.beta, mr, nr);
    }
  }
}

void pack_a(Trans t, int rows, int cols, const double* x, ptrdiff_t ld, double* out) {
  pack_a_panels<B::MR>(t, rows, cols, x, ld, out);
}

void pack_b(Trans t, int rows, int cols, const double* x, ptrdiff_t ld, double* out) {
  pack_b_panels<B::NR>(t, rows, cols, x, ld, out);
}

}  // namespace

const KernelSet& portable_kernels() {
  // A is always packed here: the tile reads whole zero-padded panels.
  static const KernelSet set = {B::MR, B::NR, B::KC, B::MC, B::NC, false, pack_a, pack_b,
                                block};
  return set;
}

}  // namespace detail
}  // namespace dnsgd
