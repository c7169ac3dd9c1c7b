// Placeholder fast path: forwards to the reference until the blocked kernel lands.
#include "gemm.h"

namespace dnsgd {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}
Isa detected_isa() { return Isa::Portable; }
static Isa g_active = Isa::Portable;
Isa active_isa() { return g_active; }
void set_active_isa(Isa isa) { g_active = isa > detected_isa() ? detected_isa() : isa; }

void gemm(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc, ThreadPool*) {
  gemm_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace dnsgd
