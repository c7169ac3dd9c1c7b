// Dense matrix products for the whole kernel library.
//
// Row-major throughout. op(A) is m x k, op(B) is k x n, C is m x n:
//   C <- alpha * op(A) * op(B) + beta * C
// With beta == 0, C is written without being read (NaN or garbage in C is ignored).
// lda, ldb, ldc are row strides in elements of the stored (untransposed) matrices.
// No size may be negative; m, n or k equal to zero is allowed (k == 0 scales C by beta).
#pragma once

#include <cstdint>

namespace dnsgd {

class ThreadPool;

enum class Trans : uint8_t { No, Yes };

// Instruction sets the fast kernel can use; chosen at run time from the processor.
enum class Isa : uint8_t { Portable, Avx2, Avx512 };

const char* isa_name(Isa isa);

// The best instruction set this processor and build support.
Isa detected_isa();

// The instruction set gemm() uses now. Tests and benchmarks switch it to cover every path;
// a request above detected_isa() is clamped to it. Not thread-safe: call while idle.
Isa active_isa();
void set_active_isa(Isa isa);

// The cache-blocked, register-tiled product. Splits large products across `pool` when given;
// small ones stay on the calling thread. Allocates nothing after the first call on a thread.
void gemm(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc, ThreadPool* pool = nullptr);

// The plain triple loop with the same contract, kept as the reference for tests and benches.
void gemm_reference(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a,
                    int lda, const double* b, int ldb, double beta, double* c, int ldc);

}  // namespace dnsgd
