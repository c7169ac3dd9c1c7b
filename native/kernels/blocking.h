// Every block size and threshold of the dense product, in one place.
//
// Loop nest (BLIS order): NC columns of B, then KC of the k range, packed as NR-wide panels;
// MC rows of A, packed as MR-tall panels; then an MR x NR register tile per call.
// The B micro-panel (KC x NR) is meant to stay in L1, the packed A block (MC x KC) in L2 and
// the packed B block (KC x NC) in L3. Sizes were tuned on a 2-core AVX-512 Xeon (L1d 48 KiB,
// L2 2 MiB) with bench/native/bench_gemm; they also suit 1 MiB L2 parts (Zen 4/5).
#pragma once

namespace dnsgd {
namespace blocking {

struct Avx512 {
  static constexpr int MR = 14;   // 14 rows x 2 zmm = 28 accumulators + 2 B + 1 A of 32 zmm
  static constexpr int NR = 16;   // two 8-double vectors per row of the tile
  static constexpr int KC = 256;  // B micro-panel 256 x 16 x 8 B = 32 KiB of the 48 KiB L1
  static constexpr int MC = 252;  // A block 252 x 256 x 8 B = 504 KiB, under half a 1 MiB L2
  static constexpr int NC = 1024; // B block 256 x 1024 x 8 B = 2 MiB, resident in L3
};

struct Avx2 {
  static constexpr int MR = 6;    // 6 rows x 2 ymm = 12 accumulators + 2 B + 1 A of 16 ymm
  static constexpr int NR = 8;    // two 4-double vectors per row of the tile
  static constexpr int KC = 256;  // B micro-panel 256 x 8 x 8 B = 16 KiB, half a 32 KiB L1
  static constexpr int MC = 120;  // A block 120 x 256 x 8 B = 240 KiB, under half a 512 KiB L2
  static constexpr int NC = 1024; // B block 2 MiB, resident in L3
};

struct Portable {
  static constexpr int MR = 4;    // 4 x 4 accumulators fit 16 SSE2 / 32 NEON registers as pairs
  static constexpr int NR = 4;
  static constexpr int KC = 256;  // B micro-panel 8 KiB in L1
  static constexpr int MC = 128;  // A block 256 KiB in L2
  static constexpr int NC = 1024; // B block 2 MiB in L3
};

constexpr int round_up(int x, int to) { return (x + to - 1) / to * to; }
constexpr int max3(int a, int b, int c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }
template <class S> constexpr int pack_a_doubles() { return round_up(S::MC, S::MR) * S::KC; }
template <class S> constexpr int pack_b_doubles() { return round_up(S::NC, S::NR) * S::KC; }

// Packing buffers are sized once for the largest block of any instruction set.
constexpr int kMaxPackA = max3(pack_a_doubles<Avx512>(), pack_a_doubles<Avx2>(),
                               pack_a_doubles<Portable>());
constexpr int kMaxPackB = max3(pack_b_doubles<Avx512>(), pack_b_doubles<Avx2>(),
                               pack_b_doubles<Portable>());

// A is read in place instead of packed when packing cannot pay for itself: when op(B) has
// at most kDirectMaxN columns (a packed A panel would serve only that many / NR tiles; in
// place measured 10-30% faster up to 128, slower at 256), or when the whole product has
// fewer than kDirectMaxWork multiply-adds (m * n * k).
constexpr int kDirectMaxN = 128;
constexpr double kDirectMaxWork = 128.0 * 128 * 128;
// Except: op(A) = A^T read in place walks down columns lda apart, and when lda is a multiple
// of this many doubles (128 B) those lines crowd into few L1 sets and evict each other
// (lda = 4096 ran 20% slower than packed), unless B is so narrow that A is read only once.
constexpr int kDirectBadTransStride = 16;

// Products with fewer multiply-adds than this stay on the calling thread: waking a pool
// worker and joining costs tens of microseconds, the time of about 1M multiply-adds.
constexpr double kThreadMinWork = 2.0e6;

}  // namespace blocking
}  // namespace dnsgd
