// Every block size and threshold of the dense product, in one place.
//
// Loop nest (BLIS-style): NC columns of op(B), then KC of the k range, packed as NR-wide
// panels; then MC rows of op(A), packed as MR-tall panels (or read in place, see below);
// then, per MR-row panel of A, every NR-column panel of B: one MR x NR register tile each.
// The A micro-panel (MR x KC) stays in L1 across a row of tiles, the packed B block
// (KC x NC) in L2, and C is walked as MR row streams. Tuned on a 2-core AVX-512 Xeon
// (L1d 48 KiB, L2 2 MiB) with bench/native/bench_gemm; on that machine KC 192..320 and
// NC 256..768 were all within 3%, so the values are the cache-derived ones.
#pragma once

namespace dnsgd {
namespace blocking {

struct Avx512 {
  static constexpr int MR = 14;   // 14 rows x 2 zmm = 28 accumulators + 2 B + 1 A of 32 zmm
  static constexpr int NR = 16;   // two 8-double vectors per row of the tile
  static constexpr int KC = 256;  // A micro-panel 14 x 256 x 8 B = 28 KiB of a 48 KiB L1
  static constexpr int MC = 252;  // rows packed at a time: bounds the 504 KiB A buffer only
  static constexpr int NC = 512;  // B block 256 x 512 x 8 B = 1 MiB, half of a 2 MiB L2
};

struct Avx2 {
  static constexpr int MR = 6;    // 6 rows x 2 ymm = 12 accumulators + 2 B + 1 A of 16 ymm
  static constexpr int NR = 8;    // two 4-double vectors per row of the tile
  static constexpr int KC = 256;  // A micro-panel 6 x 256 x 8 B = 12 KiB of a 32 KiB L1
  static constexpr int MC = 120;  // rows packed at a time: bounds the 240 KiB A buffer only
  static constexpr int NC = 256;  // B block 512 KiB for 0.5-1 MiB L2 parts (128: 4% slower)
};

struct Portable {
  static constexpr int MR = 4;    // 4 x 4 accumulators: 8 SSE2 / NEON register pairs
  static constexpr int NR = 4;
  static constexpr int KC = 256;  // A micro-panel 8 KiB in L1
  static constexpr int MC = 128;  // rows packed at a time: bounds the 256 KiB A buffer only
  static constexpr int NC = 256;  // B block 512 KiB in L2
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

// op(A) = A is always read in place: its rows run along k, so an MR-row micro-panel is MR
// contiguous runs that stay in L1 across the row of tiles like a packed one (5-7% faster
// than packing at every size measured, power-of-two lda included).
// op(A) = A^T, read in place, has each k step on a different cache line, which only pays
// while few column panels reuse it: when op(B) has at most kDirectMaxN columns, or the
// product has fewer than kDirectMaxWork multiply-adds (m * n * k); at n = 256 packing won
// by 10%.
constexpr int kDirectMaxN = 128;
constexpr double kDirectMaxWork = 128.0 * 128 * 128;
// And when lda is a multiple of this many doubles (128 B) those lines crowd into few L1
// sets and evict each other (lda = 4096 ran 20% slower than packed), unless op(B) is so
// narrow (two panels) that A is read about once anyway.
constexpr int kDirectBadTransStride = 16;

// op(B) = B is read in place, unpacked, when op(A) is a single MR-row panel (each B panel
// is read once: packing only added a pass over B; 5 x 289 x 50 ran twice as fast), or two
// panels and B's rows are at most this many doubles apart (26 x 33 x 200: +30%; with
// ldb = 1000 reading each row twice from its own page was 15% slower than packing).
// AVX-512 only: there the masked loads at the right edge cost nothing.
constexpr int kDirectBMaxStride = 256;

// Products with fewer multiply-adds (m * n * k) than this stay on the calling thread. Waking
// a pool worker costs from ~10 us (idle core) to far more (busy core). Measured with 2
// threads: no gain up to 160^3 (4.1M), +15% at 200^3, +50..80% from 256^3 and on the
// training shapes (25M). Below, threads cannot win; the caller runs every task a late
// worker has not taken, so just above it they lose little.
constexpr double kThreadMinWork = 4.0e6;

// Panel width of the blocked Cholesky factorization: a kb x kb diagonal block and a kb-wide
// panel of rows stay in L1/L2 while gemm does the O(n^3) trailing update. Not tuned: 96 is
// a middle value (96 x 96 doubles = 72 KiB); the panel solve and the diagonal block are
// still scalar loops, which a Cholesky micro-benchmark would have to measure first.
constexpr int kCholeskyBlock = 96;

}  // namespace blocking
}  // namespace dnsgd
