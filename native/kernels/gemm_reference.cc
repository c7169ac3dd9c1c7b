// The plain triple-loop product: the definition every fast path is tested against.
#include "gemm.h"

#include <cstddef>

namespace dnsgd {

void gemm_reference(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a,
                    int lda, const double* b, int ldb, double beta, double* c, int ldc) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int p = 0; p < k; ++p) {
        double av = ta == Trans::No ? a[(size_t)i * lda + p] : a[(size_t)p * lda + i];
        double bv = tb == Trans::No ? b[(size_t)p * ldb + j] : b[(size_t)j * ldb + p];
        sum += av * bv;
      }
      double& cij = c[(size_t)i * ldc + j];
      cij = beta == 0.0 ? alpha * sum : alpha * sum + beta * cij;
    }
  }
}

}  // namespace dnsgd
