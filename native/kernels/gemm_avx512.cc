// AVX-512 micro-kernels: an MR x NR tile of C held in zmm registers, 8 doubles per vector.
// Compiled with function target attributes, so the file needs no special flags and the
// code runs only after gemm.cc has checked the processor for AVX-512F.
#include "gemm_internal.h"

#if DNSGD_GEMM_X86

#include <immintrin.h>

#include <array>
#include <utility>

#include "blocking.h"

#define DNSGD_AVX512 __attribute__((target("avx512f,avx2,fma")))

namespace dnsgd {
namespace detail {
namespace {

using B = blocking::Avx512;
constexpr int kVec = 8;
constexpr int kNV = B::NR / kVec;
static_assert(B::NR % kVec == 0, "NR must be whole vectors");

// One tile: M rows (1..MR) by NV vectors, the last of which is masked by `last`.
// Every element is sum_p a_ip b_pj in p order, one FMA per step, then alpha and beta: the
// same operations whatever the tile shape, so results never depend on how C is tiled.
template <int M, int NV, bool RowsStrided>
DNSGD_AVX512 void tile(int kc, const double* a, ptrdiff_t sa, const double* b, ptrdiff_t sb,
                       double* c, ptrdiff_t ldc, double alpha, double beta, __mmask8 last) {
  __m512d acc[M][NV];
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_pd();

  // Pull the C tile toward L1 while the k loop runs, so the update does not wait for it.
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NV * kVec - 1), _MM_HINT_T0);
  }

  // Rows read in place sit sa apart: two base pointers sharing the offsets 0..H-1 times sa
  // keep the addresses in registers (one pointer per row spilled).
  constexpr int H = (M + 1) / 2;
  const double* a_hi = RowsStrided ? a + H * sa : a;

  // Unrolled by two: measured 5-10% faster than one step per iteration, four was no better.
#pragma GCC unroll 2
  for (int p = 0; p < kc; ++p) {
    __m512d bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)  // the last masked: B read in place ends at the edge
      bv[v] = v < NV - 1 ? _mm512_loadu_pd(b + v * kVec)
                         : _mm512_maskz_loadu_pd(last, b + v * kVec);
    b += sb;
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      const double* ai = i < H ? a + (i * sa + p) : a_hi + ((i - H) * sa + p);
      const __m512d av = _mm512_set1_pd(RowsStrided ? *ai : a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_pd(av, bv[v], acc[i][v]);
    }
    if (!RowsStrided) a += sa;
  }

  const __m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta);
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    double* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask8 mask = v == NV - 1 ? last : static_cast<__mmask8>(0xFF);
      __m512d r = _mm512_mul_pd(va, acc[i][v]);
      if (beta != 0.0) r = _mm512_fmadd_pd(vb, _mm512_maskz_loadu_pd(mask, ci + v * kVec), r);
      _mm512_mask_storeu_pd(ci + v * kVec, mask, r);
    }
  }
}

using TileFn = void (*)(int, const double*, ptrdiff_t, const double*, ptrdiff_t, double*,
                        ptrdiff_t, double, double, __mmask8);

template <int NV, bool RS, int... I>
constexpr std::array<TileFn, sizeof...(I)> tile_row(std::integer_sequence<int, I...>) {
  return {{&tile<I + 1, NV, RS>...}};
}

// Edge tiles by [rows strided][vectors - 1][rows - 1].
template <bool RS, int... V>
constexpr std::array<std::array<TileFn, B::MR>, kNV> tile_table(
    std::integer_sequence<int, V...>) {
  return {{tile_row<V + 1, RS>(std::make_integer_sequence<int, B::MR>())...}};
}
const std::array<std::array<TileFn, B::MR>, kNV> kTiles[2] = {
    tile_table<false>(std::make_integer_sequence<int, kNV>()),
    tile_table<true>(std::make_integer_sequence<int, kNV>())};

// Row panels outer, column panels inner: the A micro-panel (MR x kc) stays in L1 while the
// packed B block streams from L2, and C is walked as MR row streams the hardware prefetcher
// follows. (Column panels outer walked all MC rows of C at once, and a C too big for the
// cache ran at half speed.)
template <bool RS>
DNSGD_AVX512 void block_impl(const BlockArgs& x) {
  const double* ap = x.a;
  for (int ir = 0; ir < x.mc; ir += B::MR, ap += x.a_step) {
    const int mr = x.mc - ir < B::MR ? x.mc - ir : B::MR;
    const double* bp = x.b;
    double* cp = x.c + ir * x.ldc;
    for (int jr = 0; jr < x.nc; jr += B::NR, bp += x.b_step, cp += B::NR) {
      const int nr = x.nc - jr < B::NR ? x.nc - jr : B::NR;
      const int nv = (nr + kVec - 1) / kVec;
      const __mmask8 last = static_cast<__mmask8>((1u << (nr - (nv - 1) * kVec)) - 1);
      if (mr == B::MR && nv == kNV)
        tile<B::MR, kNV, RS>(x.kc, ap, x.sa, bp, x.sb, cp, x.ldc, x.alpha, x.beta, last);
      else
        kTiles[RS][nv - 1][mr - 1](x.kc, ap, x.sa, bp, x.sb, cp, x.ldc, x.alpha, x.beta,
                                   last);
    }
  }
}

DNSGD_AVX512 void block(const BlockArgs& x) {
  if (x.a_rows_strided) block_impl<true>(x); else block_impl<false>(x);
}

// g++ 12 warns that the shuffle intrinsics' deliberately undefined pass-through operand
// is (or may be) used uninitialized once inlined here; the value is never used.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Transposes the 8 x 8 block in v0..v7 (row r in vr) in place: 24 lane shuffles. Written
// out with named registers: arrays here ended up on the stack.
DNSGD_AVX512 inline void transpose8(__m512d& v0, __m512d& v1, __m512d& v2, __m512d& v3,
                                    __m512d& v4, __m512d& v5, __m512d& v6, __m512d& v7) {
  // Pairs of rows, interleaved: columns (0, 2, 4, 6) and (1, 3, 5, 7).
  const __m512d t0 = _mm512_unpacklo_pd(v0, v1), t1 = _mm512_unpackhi_pd(v0, v1);
  const __m512d t2 = _mm512_unpacklo_pd(v2, v3), t3 = _mm512_unpackhi_pd(v2, v3);
  const __m512d t4 = _mm512_unpacklo_pd(v4, v5), t5 = _mm512_unpackhi_pd(v4, v5);
  const __m512d t6 = _mm512_unpacklo_pd(v6, v7), t7 = _mm512_unpackhi_pd(v6, v7);
  // Quads of rows: columns (0, 4), (2, 6), (1, 5), (3, 7).
  const __m512d u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t0, t2, 0xDD);
  const __m512d u2 = _mm512_shuffle_f64x2(t1, t3, 0x88), u3 = _mm512_shuffle_f64x2(t1, t3, 0xDD);
  const __m512d u4 = _mm512_shuffle_f64x2(t4, t6, 0x88), u5 = _mm512_shuffle_f64x2(t4, t6, 0xDD);
  const __m512d u6 = _mm512_shuffle_f64x2(t5, t7, 0x88), u7 = _mm512_shuffle_f64x2(t5, t7, 0xDD);
  v0 = _mm512_shuffle_f64x2(u0, u4, 0x88);
  v4 = _mm512_shuffle_f64x2(u0, u4, 0xDD);
  v2 = _mm512_shuffle_f64x2(u1, u5, 0x88);
  v6 = _mm512_shuffle_f64x2(u1, u5, 0xDD);
  v1 = _mm512_shuffle_f64x2(u2, u6, 0x88);
  v5 = _mm512_shuffle_f64x2(u2, u6, 0xDD);
  v3 = _mm512_shuffle_f64x2(u3, u7, 0x88);
  v7 = _mm512_shuffle_f64x2(u3, u7, 0xDD);
}

// Eight stored rows (only `rows` of them real, the rest read as zero), np (<= 8) values
// from each starting at src, transposed into out[q * W + r] for q < np and r < lanes.
template <int W>
DNSGD_AVX512 inline void pack_8x8(int rows, int np, const double* src, ptrdiff_t ld,
                                  double* out, __mmask8 lanes) {
  const __mmask8 pm = static_cast<__mmask8>((1u << np) - 1);
  const __m512d z = _mm512_setzero_pd();
  __m512d v0 = rows > 0 ? _mm512_maskz_loadu_pd(pm, src) : z;
  __m512d v1 = rows > 1 ? _mm512_maskz_loadu_pd(pm, src + ld) : z;
  __m512d v2 = rows > 2 ? _mm512_maskz_loadu_pd(pm, src + 2 * ld) : z;
  __m512d v3 = rows > 3 ? _mm512_maskz_loadu_pd(pm, src + 3 * ld) : z;
  __m512d v4 = rows > 4 ? _mm512_maskz_loadu_pd(pm, src + 4 * ld) : z;
  __m512d v5 = rows > 5 ? _mm512_maskz_loadu_pd(pm, src + 5 * ld) : z;
  __m512d v6 = rows > 6 ? _mm512_maskz_loadu_pd(pm, src + 6 * ld) : z;
  __m512d v7 = rows > 7 ? _mm512_maskz_loadu_pd(pm, src + 7 * ld) : z;
  transpose8(v0, v1, v2, v3, v4, v5, v6, v7);
  if (np == 8) {
    _mm512_mask_storeu_pd(out, lanes, v0);
    _mm512_mask_storeu_pd(out + W, lanes, v1);
    _mm512_mask_storeu_pd(out + 2 * W, lanes, v2);
    _mm512_mask_storeu_pd(out + 3 * W, lanes, v3);
    _mm512_mask_storeu_pd(out + 4 * W, lanes, v4);
    _mm512_mask_storeu_pd(out + 5 * W, lanes, v5);
    _mm512_mask_storeu_pd(out + 6 * W, lanes, v6);
    _mm512_mask_storeu_pd(out + 7 * W, lanes, v7);
    return;
  }
  const __m512d cols[7] = {v0, v1, v2, v3, v4, v5, v6};  // the k tail: rare, so plain
  for (int q = 0; q < np; ++q) _mm512_mask_storeu_pd(out + q * W, lanes, cols[q]);
}

// One W-wide panel from `rows` (<= W) stored rows that run along p: out[p * W + r] =
// src[r * ld + p], zero for r >= rows. Eight p at a time through register transposes; the
// scalar version of this gather was a quarter of the time of skinny products.
template <int W>
DNSGD_AVX512 void pack_panel_transposed(int rows, int kc, const double* src, ptrdiff_t ld,
                                        double* out) {
  for (int p = 0; p < kc; p += 8) {
    const int np = kc - p < 8 ? kc - p : 8;
    for (int r0 = 0; r0 < W; r0 += 8) {
      const __mmask8 lanes = static_cast<__mmask8>(W - r0 >= 8 ? 0xFF : (1u << (W - r0)) - 1);
      if (rows > r0) {
        pack_8x8<W>(rows - r0, np, src + r0 * ld + p, ld, out + p * W + r0, lanes);
      } else {  // past a narrow edge: only the zero padding
        for (int q = 0; q < np; ++q)
          _mm512_mask_storeu_pd(out + (p + q) * W + r0, lanes, _mm512_setzero_pd());
      }
    }
  }
}

#pragma GCC diagnostic pop

// Lanes [0, n) of a vector, n clamped to [0, 8].
DNSGD_AVX512 inline __mmask8 lanes_below(int n) {
  return static_cast<__mmask8>(n >= 8 ? 0xFF : n <= 0 ? 0 : (1u << n) - 1);
}

// One W-wide panel from rows of the stored matrix that already run across the panel:
// out[p * W + r] = src[p * ld + r] for r < cnt, zero up to W. Masked vector copies: the
// plain loops became memcpy and memset calls per row, half the time of small products.
template <int W>
DNSGD_AVX512 void pack_panel_copy(int cnt, int kc, const double* src, ptrdiff_t ld,
                                  double* out) {
  constexpr int kVectors = (W + kVec - 1) / kVec;
  __mmask8 load[kVectors], store[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    load[v] = lanes_below(cnt - v * kVec);
    store[v] = lanes_below(W - v * kVec);
  }
  for (int p = 0; p < kc; ++p, src += ld, out += W) {
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v)
      _mm512_mask_storeu_pd(out + v * kVec, store[v],
                            _mm512_maskz_loadu_pd(load[v], src + v * kVec));
  }
}

DNSGD_AVX512 void pack_a(Trans t, int rows, int cols, const double* x, ptrdiff_t ld,
                         double* out) {
  if (t == Trans::Yes) {
    for (int i0 = 0; i0 < rows; i0 += B::MR, out += static_cast<ptrdiff_t>(B::MR) * cols)
      pack_panel_copy<B::MR>(rows - i0, cols, x + i0, ld, out);
    return;
  }
  for (int i0 = 0; i0 < rows; i0 += B::MR, out += static_cast<ptrdiff_t>(B::MR) * cols) {
    const int mr = rows - i0 < B::MR ? rows - i0 : B::MR;
    pack_panel_transposed<B::MR>(mr, cols, x + i0 * ld, ld, out);
  }
}

DNSGD_AVX512 void pack_b(Trans t, int rows, int cols, const double* x, ptrdiff_t ld,
                         double* out) {
  if (t == Trans::No) {
    for (int j0 = 0; j0 < cols; j0 += B::NR, out += static_cast<ptrdiff_t>(B::NR) * rows)
      pack_panel_copy<B::NR>(cols - j0, rows, x + j0, ld, out);
    return;
  }
  for (int j0 = 0; j0 < cols; j0 += B::NR, out += static_cast<ptrdiff_t>(B::NR) * rows) {
    const int nr = cols - j0 < B::NR ? cols - j0 : B::NR;
    pack_panel_transposed<B::NR>(nr, rows, x + j0 * ld, ld, out);
  }
}

}  // namespace

const KernelSet& avx512_kernels() {
  static const KernelSet set = {B::MR, B::NR, B::KC, B::MC, B::NC, true, true, pack_a,
                                pack_b, block};
  return set;
}

}  // namespace detail
}  // namespace dnsgd

#endif  // DNSGD_GEMM_X86
