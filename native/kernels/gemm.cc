// The blocked product: instruction-set choice, the BLIS-style loop nest over packed blocks,
// and the split of large products over a thread pool. The micro-kernels live in
// gemm_avx512.cc, gemm_avx2.cc and gemm_portable.cc; all block sizes in blocking.h.
#include "gemm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "blocking.h"
#include "gemm_internal.h"
#include "threadpool.h"

namespace dnsgd {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

namespace {

Isa detect() {
#if DNSGD_GEMM_X86
  __builtin_cpu_init();
  // __builtin_cpu_supports also requires the OS to save the wider registers (XCR0).
  const bool fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (fma && __builtin_cpu_supports("avx512f")) return Isa::Avx512;
  if (fma) return Isa::Avx2;
#endif
  return Isa::Portable;
}

Isa clamp(Isa isa) { return isa > detected_isa() ? detected_isa() : isa; }

// DNSGD_ISA=portable|avx2|avx512 lowers the starting choice, to try a slower path from Node.
Isa initial_isa() {
  Isa isa = detected_isa();
  if (const char* env = std::getenv("DNSGD_ISA")) {
    if (std::strcmp(env, "portable") == 0) isa = Isa::Portable;
    if (std::strcmp(env, "avx2") == 0) isa = Isa::Avx2;
  }
  return clamp(isa);
}

// -1 until first use, so no static initialisation order is involved.
std::atomic<int> g_active{-1};

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(initial_isa());
    g_active.store(v, std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

void set_active_isa(Isa isa) { g_active.store(static_cast<int>(clamp(isa))); }

namespace {

using detail::BlockArgs;
using detail::KernelSet;

const KernelSet& kernels_for(Isa isa) {
#if DNSGD_GEMM_X86
  if (isa == Isa::Avx512) return detail::avx512_kernels();
  if (isa == Isa::Avx2) return detail::avx2_kernels();
#endif
  (void)isa;
  return detail::portable_kernels();
}

// Per-thread packing space, allocated on the thread's first product and kept: sized for the
// largest block of any instruction set, so switching sets never reallocates.
struct PackBuffers {
  static constexpr std::align_val_t kAlign{64};  // whole cache lines, aligned zmm loads
  double* a;
  double* b;
  PackBuffers()
      : a(static_cast<double*>(::operator new(sizeof(double) * blocking::kMaxPackA, kAlign))),
        b(static_cast<double*>(::operator new(sizeof(double) * blocking::kMaxPackB, kAlign))) {}
  ~PackBuffers() {
    ::operator delete(a, kAlign);
    ::operator delete(b, kAlign);
  }
  PackBuffers(const PackBuffers&) = delete;
  PackBuffers& operator=(const PackBuffers&) = delete;
};

PackBuffers& pack_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

struct Product {
  Trans ta, tb;
  int m, n, k;
  double alpha;
  const double* a;
  ptrdiff_t lda;
  const double* b;
  ptrdiff_t ldb;
  double beta;
  double* c;
  ptrdiff_t ldc;
};

int ceil_div(int a, int b) { return (a + b - 1) / b; }
int min_int(int a, int b) { return a < b ? a : b; }

// Splits [0, total) into equal-ish blocks of at most `most`, each a multiple of `unit`
// except the last: the block length to step by.
int balanced_block(int total, int most, int unit) {
  const int blocks = ceil_div(total, most);
  return blocking::round_up(ceil_div(total, blocks), unit);
}

// The whole loop nest on the calling thread. The k range is cut into equal slices that
// depend on k alone: each C element sees the same slices, summed in the same order, however
// the caller split C among threads, which is what makes results thread-count independent.
void run_blocked(const KernelSet& ks, const Product& g) {
  PackBuffers& buf = pack_buffers();
  const int k_slices = ceil_div(g.k, ks.kc);
  const int nc_step = balanced_block(g.n, ks.nc, ks.nr);
  const int mc_step = balanced_block(g.m, ks.mc, ks.mr);
  // A's rows are read in place when they already run along k (see blocking.h for A^T).
  const bool in_place =
      ks.reads_a_in_place &&
      (g.ta == Trans::No ||
       ((g.n <= blocking::kDirectMaxN ||
         static_cast<double>(g.m) * g.n * g.k < blocking::kDirectMaxWork) &&
        (g.n <= 2 * ks.nr || g.lda % blocking::kDirectBadTransStride != 0)));

  // With one row panel each B panel is read once, so packing it cannot pay; with two, only
  // when B's rows are far apart (each on its own page, twice).
  const bool b_in_place =
      ks.reads_b_in_place && g.tb == Trans::No &&
      (g.m <= ks.mr || (g.m <= 2 * ks.mr && g.ldb <= blocking::kDirectBMaxStride));

  BlockArgs blk;
  blk.alpha = g.alpha;
  blk.ldc = g.ldc;
  for (int jc = 0; jc < g.n; jc += nc_step) {
    blk.nc = min_int(nc_step, g.n - jc);
    for (int s = 0; s < k_slices; ++s) {
      const int p0 = static_cast<int>(static_cast<long long>(s) * g.k / k_slices);
      const int p1 = static_cast<int>(static_cast<long long>(s + 1) * g.k / k_slices);
      blk.kc = p1 - p0;
      blk.beta = s == 0 ? g.beta : 1.0;  // later slices add onto the first
      const double* b_src = g.tb == Trans::No ? g.b + p0 * g.ldb + jc : g.b + jc * g.ldb + p0;
      if (b_in_place) {
        blk.b = b_src;
        blk.sb = g.ldb;
        blk.b_step = ks.nr;
      } else {
        ks.pack_b(g.tb, blk.kc, blk.nc, b_src, g.ldb, buf.b);
        blk.b = buf.b;
        blk.sb = ks.nr;
        blk.b_step = static_cast<ptrdiff_t>(ks.nr) * blk.kc;
      }
      for (int ic = 0; ic < g.m; ic += mc_step) {
        blk.mc = min_int(mc_step, g.m - ic);
        const double* a_src = g.ta == Trans::No ? g.a + ic * g.lda + p0 : g.a + p0 * g.lda + ic;
        if (!in_place) {
          ks.pack_a(g.ta, blk.mc, blk.kc, a_src, g.lda, buf.a);
          blk.a = buf.a;
          blk.sa = ks.mr;
          blk.a_step = static_cast<ptrdiff_t>(ks.mr) * blk.kc;
          blk.a_rows_strided = false;
        } else if (g.ta == Trans::No) {
          blk.a = a_src;
          blk.sa = g.lda;
          blk.a_step = ks.mr * g.lda;
          blk.a_rows_strided = true;
        } else {
          blk.a = a_src;
          blk.sa = g.lda;
          blk.a_step = ks.mr;
          blk.a_rows_strided = false;
        }
        blk.c = g.c + ic * g.ldc + jc;
        ks.block(blk);
      }
    }
  }
}

// C <- beta * C, the whole product when k == 0 or alpha == 0 (BLAS convention: A and B are
// not read then). beta == 0 writes zeros without reading C.
void scale_c(int m, int n, double beta, double* c, ptrdiff_t ldc) {
  if (beta == 1.0) return;
  for (int i = 0; i < m; ++i) {
    double* ci = c + i * ldc;
    if (beta == 0.0) {
      for (int j = 0; j < n; ++j) ci[j] = 0.0;
    } else {
      for (int j = 0; j < n; ++j) ci[j] *= beta;
    }
  }
}

}  // namespace

void gemm(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc, ThreadPool* pool) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const KernelSet& ks = kernels_for(active_isa());
  const Product g = {ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
  const int threads = pool ? pool->size() : 1;
  if (threads < 2 || static_cast<double>(m) * n * k < blocking::kThreadMinWork) {
    run_blocked(ks, g);
    return;
  }

  // Independent pieces of C, cut on tile boundaries. Splitting the columns repeats the
  // packing of A in every piece, splitting the rows repeats B's: repeat the smaller one.
  const int tiles_m = ceil_div(m, ks.mr), tiles_n = ceil_div(n, ks.nr);
  const bool split_cols = tiles_m < threads || (m <= n && tiles_n >= threads);
  const int tiles = split_cols ? tiles_n : tiles_m;
  const int parts = min_int(threads, tiles);
  if (parts < 2) {
    run_blocked(ks, g);
    return;
  }
  pool->run(parts, [&](int t) {
    const int unit = split_cols ? ks.nr : ks.mr;
    const int extent = split_cols ? n : m;
    const int lo = static_cast<int>(static_cast<long long>(t) * tiles / parts) * unit;
    const int hi = min_int(static_cast<int>(static_cast<long long>(t + 1) * tiles / parts) * unit,
                           extent);
    Product piece = g;
    if (split_cols) {
      piece.n = hi - lo;
      piece.b += tb == Trans::No ? lo : lo * g.ldb;
      piece.c += lo;
    } else {
      piece.m = hi - lo;
      piece.a += ta == Trans::No ? lo * g.lda : lo;
      piece.c += lo * g.ldc;
    }
    run_blocked(ks, piece);
  });
}

}  // namespace dnsgd
