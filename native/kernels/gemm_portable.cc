// Portable micro-kernel in plain C++, for processors without AVX2 (and every non-x86 one).
// The compiler vectorises it with whatever the baseline target offers (SSE2, NEON).
#include <cstddef>

#include "blocking.h"
#include "gemm_internal.h"

namespace dnsgd {
namespace detail {
namespace {

using B = blocking::Portable;

// Panels as described in gemm_internal.h, zero-filled past the matrix edge.
// op(A) is mc x kc; A(i, p) is a[i * lda + p], or a[p * lda + i] when transposed.
template <int MR>
void pack_a_panels(Trans ta, int mc, int kc, const double* a, ptrdiff_t lda, double* out) {
  for (int i0 = 0; i0 < mc; i0 += MR, out += static_cast<ptrdiff_t>(MR) * kc) {
    const int mr = mc - i0 < MR ? mc - i0 : MR;
    if (ta == Trans::Yes) {
      // Each p gives mr contiguous values: a straight copy per k step.
      const double* src = a + i0;
      for (int p = 0; p < kc; ++p, src += lda) {
        double* dst = out + static_cast<ptrdiff_t>(p) * MR;
        if (mr == MR) {
          for (int i = 0; i < MR; ++i) dst[i] = src[i];
        } else {
          for (int i = 0; i < mr; ++i) dst[i] = src[i];
          for (int i = mr; i < MR; ++i) dst[i] = 0.0;
        }
      }
    } else if (mr == MR) {
      // A transpose: one pass down p, gathering one value from each of the MR rows.
      const double* rows[MR];
      for (int i = 0; i < MR; ++i) rows[i] = a + static_cast<ptrdiff_t>(i0 + i) * lda;
      for (int p = 0; p < kc; ++p) {
        double* dst = out + static_cast<ptrdiff_t>(p) * MR;
        for (int i = 0; i < MR; ++i) dst[i] = rows[i][p];
      }
    } else {
      for (int p = 0; p < kc; ++p) {
        double* dst = out + static_cast<ptrdiff_t>(p) * MR;
        for (int i = 0; i < mr; ++i) dst[i] = a[static_cast<ptrdiff_t>(i0 + i) * lda + p];
        for (int i = mr; i < MR; ++i) dst[i] = 0.0;
      }
    }
  }
}

// op(B) is kc x nc; B(p, j) is b[p * ldb + j], or b[j * ldb + p] when transposed.
template <int NR>
void pack_b_panels(Trans tb, int kc, int nc, const double* b, ptrdiff_t ldb, double* out) {
  for (int j0 = 0; j0 < nc; j0 += NR, out += static_cast<ptrdiff_t>(NR) * kc) {
    const int nr = nc - j0 < NR ? nc - j0 : NR;
    if (tb == Trans::No) {
      const double* src = b + j0;
      for (int p = 0; p < kc; ++p, src += ldb) {
        double* dst = out + static_cast<ptrdiff_t>(p) * NR;
        if (nr == NR) {
          for (int j = 0; j < NR; ++j) dst[j] = src[j];
        } else {
          for (int j = 0; j < nr; ++j) dst[j] = src[j];
          for (int j = nr; j < NR; ++j) dst[j] = 0.0;
        }
      }
    } else if (nr == NR) {
      const double* cols[NR];
      for (int j = 0; j < NR; ++j) cols[j] = b + static_cast<ptrdiff_t>(j0 + j) * ldb;
      for (int p = 0; p < kc; ++p) {
        double* dst = out + static_cast<ptrdiff_t>(p) * NR;
        for (int j = 0; j < NR; ++j) dst[j] = cols[j][p];
      }
    } else {
      for (int p = 0; p < kc; ++p) {
        double* dst = out + static_cast<ptrdiff_t>(p) * NR;
        for (int j = 0; j < nr; ++j) dst[j] = b[static_cast<ptrdiff_t>(j0 + j) * ldb + p];
        for (int j = nr; j < NR; ++j) dst[j] = 0.0;
      }
    }
  }
}


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

// Row panels outer, column panels inner, as in the vector kernels.
void block(const BlockArgs& x) {
  const double* ap = x.a;
  for (int ir = 0; ir < x.mc; ir += B::MR, ap += x.a_step) {
    const int mr = x.mc - ir < B::MR ? x.mc - ir : B::MR;
    const double* bp = x.b;
    for (int jr = 0; jr < x.nc; jr += B::NR, bp += x.b_step) {
      const int nr = x.nc - jr < B::NR ? x.nc - jr : B::NR;
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
  // A and B are always packed here: the tile reads whole zero-padded panels.
  static const KernelSet set = {B::MR, B::NR, B::KC, B::MC, B::NC, false, false, pack_a,
                                pack_b, block};
  return set;
}

}  // namespace detail
}  // namespace dnsgd
