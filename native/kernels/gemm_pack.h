// Packing of gemm operands into micro-panels, as plain C++ templates. Each kernel file
// instantiates them inside its own target-attributed wrappers so the compiler vectorises
// them for that instruction set. Internal linkage (anonymous namespace) keeps the copies
// apart: an AVX-512 instantiation must never be the one a portable caller links to.
#pragma once

#include <cstddef>

#include "gemm.h"

namespace dnsgd {
namespace detail {
namespace {

// op(A) is mc x kc; A(i, p) is a[i * lda + p], or a[p * lda + i] when transposed.
template <int MR>
inline __attribute__((always_inline)) void pack_a_panels(Trans ta, int mc, int kc,
                                                         const double* a, ptrdiff_t lda,
                                                         double* out) {
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
inline __attribute__((always_inline)) void pack_b_panels(Trans tb, int kc, int nc,
                                                         const double* b, ptrdiff_t ldb,
                                                         double* out) {
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

}  // namespace
}  // namespace detail
}  // namespace dnsgd
