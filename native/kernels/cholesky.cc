#include "cholesky.h"

#include <cmath>
#include <cstddef>

#include "blocking.h"
#include "gemm.h"

namespace dnsgd {

static inline bool good_pivot(double v) { return v > 0.0 && std::isfinite(v); }

int cholesky_factor_reference(double* a, int n, int lda) {
  for (int j = 0; j < n; ++j) {
    double* rj = a + (size_t)j * lda;
    double s = rj[j];
    for (int t = 0; t < j; ++t) s -= rj[t] * rj[t];
    if (!good_pivot(s)) return j + 1;
    double djj = std::sqrt(s);
    rj[j] = djj;
    double inv = 1.0 / djj;
    for (int i = j + 1; i < n; ++i) {
      double* ri = a + (size_t)i * lda;
      double v = ri[j];
      for (int t = 0; t < j; ++t) v -= ri[t] * rj[t];
      ri[j] = v * inv;
    }
  }
  return 0;
}

//   +-----+-----------+        A11 (kb x kb): factor in place, unblocked
//   | A11 |           |        A21 (rest x kb): L21 = A21 L11^-T, row by row
//   +-----+-----+     |        A22 (rest x rest): A22 -= L21 L21^T, lower block rows only,
//   | A21 | A22 ...   |                           one gemm per block row
//   +-----+-----------+
int cholesky_factor(double* a, int n, int lda, ThreadPool* pool) {
  const int nb = blocking::kCholeskyBlock;
  if (n <= nb) return cholesky_factor_reference(a, n, lda);
  for (int k0 = 0; k0 < n; k0 += nb) {
    int kb = n - k0 < nb ? n - k0 : nb;
    double* a11 = a + (size_t)k0 * lda + k0;
    int info = cholesky_factor_reference(a11, kb, lda);
    if (info) return k0 + info;
    int rest = n - k0 - kb;
    if (rest == 0) break;
    // L21: forward substitution against L11 for each row below the diagonal block.
    double* a21 = a + (size_t)(k0 + kb) * lda + k0;
    for (int i = 0; i < rest; ++i) {
      double* ri = a21 + (size_t)i * lda;
      for (int j = 0; j < kb; ++j) {
        const double* lj = a11 + (size_t)j * lda;
        double v = ri[j];
        for (int t = 0; t < j; ++t) v -= ri[t] * lj[t];
        ri[j] = v / lj[j];
      }
    }
    // A22 -= L21 L21^T. Block row ib covers columns [0, ib_end) of A22: the blocks left of
    // the diagonal plus the diagonal block (whose upper part is scratch).
    for (int i0 = 0; i0 < rest; i0 += nb) {
      int ib = rest - i0 < nb ? rest - i0 : nb;
      double* c = a + (size_t)(k0 + kb + i0) * lda + (k0 + kb);
      gemm(Trans::No, Trans::Yes, ib, i0 + ib, kb, -1.0, a21 + (size_t)i0 * lda, lda, a21, lda,
           1.0, c, lda, pool);
    }
  }
  return 0;
}

void cholesky_solve(const double* l, int n, int lda, double* b, int nrhs, int ldb) {
  for (int r = 0; r < nrhs; ++r) {
    double* x = b + (size_t)r * ldb;
    // L y = b: row i of L against the solved prefix.
    for (int i = 0; i < n; ++i) {
      const double* li = l + (size_t)i * lda;
      double v = x[i];
      for (int t = 0; t < i; ++t) v -= li[t] * x[t];
      x[i] = v / li[i];
    }
    // L^T x = y, walking rows of L backwards so the access stays row-major.
    for (int i = n - 1; i >= 0; --i) {
      const double* li = l + (size_t)i * lda;
      double xi = x[i] / li[i];
      x[i] = xi;
      for (int t = 0; t < i; ++t) x[t] -= li[t] * xi;
    }
  }
}

}  // namespace dnsgd
