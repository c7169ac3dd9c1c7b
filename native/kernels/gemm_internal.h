// What the gemm driver (gemm.cc) and the per-instruction-set kernels share. Internal.
#pragma once

#include <cstddef>

#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DNSGD_GEMM_X86 1
#else
#define DNSGD_GEMM_X86 0
#endif

namespace dnsgd {
namespace detail {

// One mc x nc block of C updated with one kc slice of the product:
//   C <- alpha * A_blk * B_blk + beta * C   (beta == 0: C is not read)
// Column panel q (NR wide) of B_blk starts at b + q * b_step, element (p, j) at [p * sb + j]:
// packed, sb == NR and b_step == NR * kc, zero past nc; read in place (op(B) = B), sb == ldb
// and b_step == NR, and the kernel must not read past nc. Rows ir.. of A_blk start at
// a + (ir / MR) * a_step and element (i, p) of that panel is at
//   [p * sa + i]  when !a_rows_strided (packed, sa == MR; or op(A) = A^T read in place)
//   [i * sa + p]  when  a_rows_strided (op(A) = A read in place, sa == lda).
struct BlockArgs {
  int mc, nc, kc;
  const double* a;
  ptrdiff_t a_step, sa;
  bool a_rows_strided;
  const double* b;
  ptrdiff_t b_step, sb;
  double* c;
  ptrdiff_t ldc;
  double alpha, beta;
};

// Packs rows of op(X) into panels: op(A) (mc x kc) into MR-tall panels, element (i, p) of
// panel q at out[q * MR * kc + p * MR + i]; op(B) (kc x nc) into NR-wide panels as above.
// Panels are zero-filled past the matrix edge.
using PackFn = void (*)(Trans t, int rows, int cols, const double* x, ptrdiff_t ldx,
                        double* out);

struct KernelSet {
  int mr, nr, kc, mc, nc;
  bool reads_a_in_place;  // block() accepts A unpacked (a_rows_strided or sa == lda)
  bool reads_b_in_place;  // block() accepts op(B) = B unpacked (sb == ldb)
  PackFn pack_a, pack_b;
  void (*block)(const BlockArgs&);
};

const KernelSet& portable_kernels();
#if DNSGD_GEMM_X86
const KernelSet& avx2_kernels();
const KernelSet& avx512_kernels();
#endif

}  // namespace detail
}  // namespace dnsgd
