// AVX2 + FMA micro-kernels: an MR x NR tile of C held in ymm registers, 4 doubles per vector.
// Compiled with function target attributes, so the file needs no special flags and the
// code runs only after gemm.cc has checked the processor for AVX2 and FMA.
#include "gemm_internal.h"

#if DNSGD_GEMM_X86

#include <immintrin.h>

#include <array>
#include <utility>

#include "blocking.h"

#define DNSGD_AVX2 __attribute__((target("avx2,fma")))

namespace dnsgd {
namespace detail {
namespace {

using B = blocking::Avx2;
constexpr int kVec = 4;
constexpr int kNV = B::NR / kVec;
static_assert(B::NR % kVec == 0, "NR must be whole vectors");

// One tile: M rows (1..MR) by NV vectors, the last of which has `last` lanes inside C.
// Every element is sum_p a_ip b_pj in p order, one FMA per step, then alpha and beta: the
// same operations whatever the tile shape, so results never depend on how C is tiled.
template <int M, int NV, bool RowsStrided>
DNSGD_AVX2 void tile(int kc, const double* a, ptrdiff_t sa, const double* b, double* c,
                       ptrdiff_t ldc, double alpha, double beta, int last) {
  __m256d acc[M][NV];
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_pd();

  // Pull the C tile toward L1 while the k loop runs, so the update does not wait for it.
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NV * kVec - 1), _MM_HINT_T0);
  }

  // Unrolled by two: measured 5-10% faster than one step per iteration, four was no better.
#pragma GCC unroll 2
  for (int p = 0; p < kc; ++p) {
    __m256d bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_pd(b + v * kVec);
    b += B::NR;
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      const __m256d av = _mm256_set1_pd(RowsStrided ? a[i * sa + p] : a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_pd(av, bv[v], acc[i][v]);
    }
    if (!RowsStrided) a += sa;
  }

  const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
  // Lanes of the last vector inside C, for the masked load and store of a right edge.
  const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(last),
                                          _mm256_setr_epi64x(0, 1, 2, 3));
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    double* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      double* cv = ci + v * kVec;
      __m256d r = _mm256_mul_pd(va, acc[i][v]);
      if (v < NV - 1 || last == kVec) {
        if (beta != 0.0) r = _mm256_fmadd_pd(vb, _mm256_loadu_pd(cv), r);
        _mm256_storeu_pd(cv, r);
      } else {
        if (beta != 0.0) r = _mm256_fmadd_pd(vb, _mm256_maskload_pd(cv, mask), r);
        _mm256_maskstore_pd(cv, mask, r);
      }
    }
  }
}

using TileFn = void (*)(int, const double*, ptrdiff_t, const double*, double*, ptrdiff_t,
                        double, double, int);

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

// Row panels outer, column panels inner: the A micro-panel stays in L1 while the packed B
// block streams from L2, and C is walked as MR row streams (see gemm_avx512.cc).
template <bool RS>
DNSGD_AVX2 void block_impl(const BlockArgs& x) {
  const double* ap = x.a;
  for (int ir = 0; ir < x.mc; ir += B::MR, ap += x.a_step) {
    const int mr = x.mc - ir < B::MR ? x.mc - ir : B::MR;
    const double* bp = x.b;
    double* cp = x.c + ir * x.ldc;
    for (int jr = 0; jr < x.nc; jr += B::NR, bp += x.b_step, cp += B::NR) {
      const int nr = x.nc - jr < B::NR ? x.nc - jr : B::NR;
      const int nv = (nr + kVec - 1) / kVec;
      const int last = nr - (nv - 1) * kVec;
      if (mr == B::MR && nv == kNV)
        tile<B::MR, kNV, RS>(x.kc, ap, x.sa, bp, cp, x.ldc, x.alpha, x.beta, last);
      else
        kTiles[RS][nv - 1][mr - 1](x.kc, ap, x.sa, bp, cp, x.ldc, x.alpha, x.beta, last);
    }
  }
}

DNSGD_AVX2 void block(const BlockArgs& x) {
  if (x.a_rows_strided) block_impl<true>(x); else block_impl<false>(x);
}

// Transposes the 4 x 4 block in v0..v3 (row r in vr) in place.
DNSGD_AVX2 inline void transpose4(__m256d& v0, __m256d& v1, __m256d& v2, __m256d& v3) {
  const __m256d t0 = _mm256_unpacklo_pd(v0, v1), t1 = _mm256_unpackhi_pd(v0, v1);
  const __m256d t2 = _mm256_unpacklo_pd(v2, v3), t3 = _mm256_unpackhi_pd(v2, v3);
  v0 = _mm256_permute2f128_pd(t0, t2, 0x20);
  v1 = _mm256_permute2f128_pd(t1, t3, 0x20);
  v2 = _mm256_permute2f128_pd(t0, t2, 0x31);
  v3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// Lanes [0, n) set, for maskload / maskstore.
DNSGD_AVX2 inline __m256i lane_mask(int n) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

// Four stored rows (only `rows` of them real, the rest zero), 4 values from each starting
// at src, transposed into out[q * W + r] for r < lanes (<= 4).
template <int W>
DNSGD_AVX2 inline void pack_4x4(int rows, const double* src, ptrdiff_t ld, double* out,
                                int lanes) {
  const __m256d z = _mm256_setzero_pd();
  __m256d v0 = rows > 0 ? _mm256_loadu_pd(src) : z;
  __m256d v1 = rows > 1 ? _mm256_loadu_pd(src + ld) : z;
  __m256d v2 = rows > 2 ? _mm256_loadu_pd(src + 2 * ld) : z;
  __m256d v3 = rows > 3 ? _mm256_loadu_pd(src + 3 * ld) : z;
  transpose4(v0, v1, v2, v3);
  if (lanes == 4) {
    _mm256_storeu_pd(out, v0);
    _mm256_storeu_pd(out + W, v1);
    _mm256_storeu_pd(out + 2 * W, v2);
    _mm256_storeu_pd(out + 3 * W, v3);
  } else {
    const __m256i m = lane_mask(lanes);
    _mm256_maskstore_pd(out, m, v0);
    _mm256_maskstore_pd(out + W, m, v1);
    _mm256_maskstore_pd(out + 2 * W, m, v2);
    _mm256_maskstore_pd(out + 3 * W, m, v3);
  }
}

// One W-wide panel from `rows` (<= W) stored rows that run along p: out[p * W + r] =
// src[r * ld + p], zero for r >= rows. Four p at a time through register transposes, the
// last kc % 4 one by one.
template <int W>
DNSGD_AVX2 void pack_panel_transposed(int rows, int kc, const double* src, ptrdiff_t ld,
                                      double* out) {
  int p = 0;
  for (; p + 4 <= kc; p += 4) {
    for (int r0 = 0; r0 < W; r0 += 4)
      pack_4x4<W>(rows - r0, src + r0 * ld + p, ld, out + p * W + r0,
                  W - r0 < 4 ? W - r0 : 4);
  }
  for (; p < kc; ++p)
    for (int r = 0; r < W; ++r) out[p * W + r] = r < rows ? src[r * ld + p] : 0.0;
}

// One W-wide panel from rows of the stored matrix that already run across the panel:
// out[p * W + r] = src[p * ld + r] for r < cnt, zero up to W. Vector copies, masked only
// at the edges: plain loops became memcpy and memset calls per row.
template <int W>
DNSGD_AVX2 void pack_panel_copy(int cnt, int kc, const double* src, ptrdiff_t ld,
                                double* out) {
  constexpr int kVectors = (W + kVec - 1) / kVec;
  int load[kVectors], store[kVectors];
  bool plain = true;
  for (int v = 0; v < kVectors; ++v) {
    load[v] = cnt - v * kVec;
    store[v] = W - v * kVec;
    plain = plain && load[v] >= kVec && store[v] >= kVec;
  }
  if (plain) {
    for (int p = 0; p < kc; ++p, src += ld, out += W)
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v)
        _mm256_storeu_pd(out + v * kVec, _mm256_loadu_pd(src + v * kVec));
    return;
  }
  __m256i lm[kVectors], sm[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    lm[v] = lane_mask(load[v]);
    sm[v] = lane_mask(store[v]);
  }
  for (int p = 0; p < kc; ++p, src += ld, out += W)
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v)
      _mm256_maskstore_pd(out + v * kVec, sm[v], _mm256_maskload_pd(src + v * kVec, lm[v]));
}

DNSGD_AVX2 void pack_a(Trans t, int rows, int cols, const double* x, ptrdiff_t ld,
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

DNSGD_AVX2 void pack_b(Trans t, int rows, int cols, const double* x, ptrdiff_t ld,
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

const KernelSet& avx2_kernels() {
  // B stays packed: AVX2 masked loads in the k loop would cost more than packing saves.
  static const KernelSet set = {B::MR, B::NR, B::KC, B::MC, B::NC, true, false, pack_a,
                                pack_b, block};
  return set;
}

}  // namespace detail
}  // namespace dnsgd

#endif  // DNSGD_GEMM_X86
