// The fast gemm against the reference triple loop, on every instruction set this machine has,
// with and without threads, on sizes chosen to land on and around every tile and block edge.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "kernels/blocking.h"
#include "kernels/gemm.h"
#include "kernels/gemm_internal.h"
#include "kernels/threadpool.h"
#include "tests/check.h"

// Counts every allocation in the program, to check that gemm allocates nothing once warm.
// The replacements stay out of line: inlined, g++ would pair new with free and warn.
static std::atomic<long> g_allocations{0};

#define DNSGD_OUT_OF_LINE __attribute__((noinline))
DNSGD_OUT_OF_LINE void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
DNSGD_OUT_OF_LINE void* operator new(std::size_t size, std::align_val_t al) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
DNSGD_OUT_OF_LINE void* operator new[](std::size_t size) { return operator new(size); }
DNSGD_OUT_OF_LINE void* operator new[](std::size_t size, std::align_val_t al) {
  return operator new(size, al);
}
DNSGD_OUT_OF_LINE void operator delete(void* p) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete[](void* p) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete(void* p, std::size_t) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
DNSGD_OUT_OF_LINE void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
DNSGD_OUT_OF_LINE void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

using dnsgd::Isa;
using dnsgd::ThreadPool;
using dnsgd::Trans;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
// Written into C's row padding; any change there means gemm wrote outside the matrix.
const double kSentinel = 12345.678;

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (2.0 / 9007199254740992.0) - 1.0; }  // [-1, 1)
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

// A stored row-major matrix of exactly the extent BLAS allows gemm to touch: the last row
// ends at its last column, so a read past it lands in the allocator's red zone under ASan.
// Row padding (columns cols..ld-1) holds `pad`, NaN for inputs so that reading it shows.
struct Matrix {
  int rows = 0, cols = 0, ld = 1;
  std::unique_ptr<double[]> data;
  size_t extent() const { return rows == 0 || cols == 0 ? 0 : size_t(rows - 1) * ld + cols; }
  Matrix(int r, int c, int ld_, double pad) : rows(r), cols(c), ld(ld_) {
    data.reset(new double[std::max<size_t>(extent(), 1)]);
    for (size_t i = 0; i < extent(); ++i) data[i] = pad;
  }
  double& at(int i, int j) { return data[size_t(i) * ld + j]; }
  double at(int i, int j) const { return data[size_t(i) * ld + j]; }
  void fill(Rng& rng) {
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) at(i, j) = rng.uniform();
  }
  void fill_value(double v) {
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) at(i, j) = v;
  }
  Matrix copy() const {
    Matrix m(rows, cols, ld, 0.0);
    std::copy(data.get(), data.get() + extent(), m.data.get());
    return m;
  }
  Matrix abs() const {
    Matrix m = copy();
    for (size_t i = 0; i < extent(); ++i) m.data[i] = std::fabs(m.data[i]);
    return m;
  }
  bool same_bits(const Matrix& o) const {
    return extent() == o.extent() &&
           std::memcmp(data.get(), o.data.get(), extent() * sizeof(double)) == 0;
  }
};

struct Case {
  Trans ta = Trans::No, tb = Trans::No;
  int m = 0, n = 0, k = 0;
  int pad_a = 0, pad_b = 0, pad_c = 0;  // extra row stride beyond the minimum
  double alpha = 1.0, beta = 0.0;

  std::string describe() const {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%c%c m=%d n=%d k=%d pads=%d,%d,%d alpha=%g beta=%g",
                  ta == Trans::No ? 'N' : 'T', tb == Trans::No ? 'N' : 'T', m, n, k, pad_a,
                  pad_b, pad_c, alpha, beta);
    return buf;
  }
};

// op(X) is rows x cols; X is stored transposed when t == Yes. NaN in the padding.
Matrix stored(Trans t, int rows, int cols, int pad) {
  int r = t == Trans::No ? rows : cols, c = t == Trans::No ? cols : rows;
  return Matrix(r, c, std::max(c, 1) + pad, kNaN);
}

// The operands of one case, filled from a seed so every run sees the same numbers.
struct Operands {
  Matrix a, b, c0;
  Operands(const Case& cs, uint64_t seed)
      : a(stored(cs.ta, cs.m, cs.k, cs.pad_a)),
        b(stored(cs.tb, cs.k, cs.n, cs.pad_b)),
        c0(cs.m, cs.n, std::max(cs.n, 1) + cs.pad_c, kSentinel) {
    Rng rng(seed);
    a.fill(rng);
    b.fill(rng);
    // With beta == 0, C must be ignored: NaN there would leak into a result that reads it.
    if (cs.beta == 0.0) c0.fill_value(kNaN); else c0.fill(rng);
  }
};

Matrix run_fast(const Case& cs, const Operands& op, ThreadPool* pool) {
  Matrix c = op.c0.copy();
  dnsgd::gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, op.a.data.get(), op.a.ld,
              op.b.data.get(), op.b.ld, cs.beta, c.data.get(), c.ld, pool);
  return c;
}

// One case's operands with its reference result and error bound, computed once and then
// compared with the fast result under every instruction set and pool.
struct Expected {
  const Case& cs;
  Operands op;
  Matrix ref, bound;
  Expected(const Case& c, uint64_t seed)
      : cs(c), op(c, seed), ref(op.c0.copy()), bound(c.m, c.n, op.c0.ld, 0.0) {
    dnsgd::gemm_reference(c.ta, c.tb, c.m, c.n, c.k, c.alpha, op.a.data.get(), op.a.ld,
                          op.b.data.get(), op.b.ld, c.beta, ref.data.get(), ref.ld);
    // bound = |alpha| |op(A)| |op(B)| + |beta C|: the scale of the rounding error.
    Matrix abs_a = op.a.abs(), abs_b = op.b.abs();
    dnsgd::gemm_reference(c.ta, c.tb, c.m, c.n, c.k, std::fabs(c.alpha), abs_a.data.get(),
                          abs_a.ld, abs_b.data.get(), abs_b.ld, 0.0, bound.data.get(),
                          bound.ld);
    for (int i = 0; i < c.m; ++i)
      for (int j = 0; j < c.n; ++j)
        if (c.beta != 0.0) bound.at(i, j) += std::fabs(c.beta * op.c0.at(i, j));
  }

  // Runs the fast gemm and checks, element by element, |fast - ref| <= 1e-12 * bound;
  // also that A, B and C's row padding were left alone. Returns the fast result.
  Matrix check(ThreadPool* pool, const char* where) const {
    Matrix a_before = op.a.copy(), b_before = op.b.copy();
    Matrix fast = run_fast(cs, op, pool);
    double worst = 0.0;
    int wi = -1, wj = -1;
    bool pad_ok = true;
    for (int i = 0; i < cs.m; ++i) {
      for (int j = 0; j < cs.n; ++j) {
        double tol = 1e-12 * bound.at(i, j) + 1e-300;
        double excess = std::fabs(fast.at(i, j) - ref.at(i, j)) / tol;
        if (!(excess <= worst)) {  // also catches NaN
          worst = std::isnan(excess) ? INFINITY : excess;
          wi = i;
          wj = j;
        }
      }
      for (int j = cs.n; cs.n > 0 && i + 1 < cs.m && j < fast.ld; ++j)
        if (fast.at(i, j) != kSentinel) pad_ok = false;
    }
    std::string d = cs.describe();
    CHECK_MSG(worst <= 1.0, "[%s] %s: worst error %.3g x tolerance at (%d,%d): "
              "fast %.17g ref %.17g", where, d.c_str(), worst, wi, wj,
              wi >= 0 ? fast.at(wi, wj) : 0.0, wi >= 0 ? ref.at(wi, wj) : 0.0);
    CHECK_MSG(pad_ok, "[%s] %s: wrote into C's row padding", where, d.c_str());
    CHECK_MSG(op.a.same_bits(a_before) && op.b.same_bits(b_before),
              "[%s] %s: modified A or B", where, d.c_str());
    return fast;
  }
};

const int kSizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 127, 257};
const Trans kTrans[] = {Trans::No, Trans::Yes};
const double kAlphas[] = {1.0, -1.0, 0.5, 2.25};
const double kBetas[] = {0.0, 1.0, -0.75, 2.0};

Case make(Trans ta, Trans tb, int m, int n, int k, double alpha = 1.0, double beta = 0.0,
          int pa = 0, int pb = 0, int pc = 0) {
  Case c;
  c.ta = ta;
  c.tb = tb;
  c.m = m;
  c.n = n;
  c.k = k;
  c.alpha = alpha;
  c.beta = beta;
  c.pad_a = pa;
  c.pad_b = pb;
  c.pad_c = pc;
  return c;
}

// Shapes of the training step: forward X W^T, weight gradient D^T X, input gradient D W
// (skipping W's bias column, so ldb > n), and the small layers of the sample data sets.
std::vector<Case> training_cases() {
  std::vector<Case> v;
  v.push_back(make(Trans::No, Trans::Yes, 128, 256, 785));
  v.push_back(make(Trans::Yes, Trans::No, 256, 785, 128));
  v.push_back(make(Trans::No, Trans::No, 128, 784, 256, 1.0, 0.0, 0, 1, 0));
  v.push_back(make(Trans::No, Trans::Yes, 50, 5, 289));
  v.push_back(make(Trans::No, Trans::Yes, 200, 26, 33));
  v.push_back(make(Trans::No, Trans::Yes, 200, 6, 229));
  v.push_back(make(Trans::Yes, Trans::No, 5, 289, 50, -0.01, 1.0));
  v.push_back(make(Trans::No, Trans::No, 200, 32, 26, 1.0, 0.0, 0, 1, 0));
  v.push_back(make(Trans::Yes, Trans::No, 26, 33, 200, 0.5, 0.9));
  return v;
}

template <class S>
void add_block_edges(std::vector<Case>& v) {
  int rot = 0;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      for (int k : {S::KC - 1, S::KC, S::KC + 1, 2 * S::KC + 1})
        v.push_back(make(ta, tb, 2 * S::MR + 1, S::NR + 3, k, 1.0, kBetas[++rot % 4]));
      for (int m : {S::MC - 1, S::MC, S::MC + 1, 2 * S::MC + S::MR + 1})
        v.push_back(make(ta, tb, m, 2 * S::NR + 1, 9, -1.0, kBetas[++rot % 4], 1, 0, 0));
      for (int n : {S::NC - 1, S::NC, S::NC + 1})
        v.push_back(make(ta, tb, S::MR + 1, n, 5, 0.5, kBetas[++rot % 4], 0, 1, 2));
    }
}

// Every case of the suite; each is checked under every instruction set and pool.
std::vector<Case> suite_cases() {
  std::vector<Case> v;
  // Squares on every listed size, all transposes, beta == 0 over NaN.
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int s : kSizes) v.push_back(make(ta, tb, s, s, s));

  // Every m x n pair of the list, a few k, rotating strides, alpha and beta.
  int rot = 0;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int m : kSizes)
        for (int n : kSizes)
          for (int k : {1, 17, 65}) {
            ++rot;
            v.push_back(make(ta, tb, m, n, k, kAlphas[rot % 4], kBetas[(rot / 4) % 4], rot % 3,
                             (rot / 3) % 5, (rot / 2) % 4));
          }

  // Every k of the list on shapes with edge tiles in both directions.
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int k : kSizes) {
        v.push_back(make(ta, tb, 17, 31, k, 1.0, 1.0, 3, 0, 1));
        v.push_back(make(ta, tb, 65, 63, k, -2.0, 0.0, 0, 2, 0));
      }

  // Empty products: k == 0 scales C by beta (beta == 0 writes zeros over NaN),
  // m == 0 or n == 0 touches nothing.
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (double beta : kBetas) {
        v.push_back(make(ta, tb, 9, 17, 0, 1.5, beta, 0, 0, 2));
        v.push_back(make(ta, tb, 0, 17, 5, 1.0, beta));
        v.push_back(make(ta, tb, 9, 0, 5, 1.0, beta));
        v.push_back(make(ta, tb, 0, 0, 0, 1.0, beta));
      }

  // alpha == 0 only scales C.
  v.push_back(make(Trans::No, Trans::No, 20, 30, 40, 0.0, 0.5));
  v.push_back(make(Trans::Yes, Trans::Yes, 20, 30, 40, 0.0, 0.0));

  // The training shapes as they come, then in all four transpose combinations.
  for (Case c : training_cases()) {
    v.push_back(c);
    for (Trans ta : kTrans)
      for (Trans tb : kTrans) {
        c.ta = ta;
        c.tb = tb;
        c.beta = 0.5;
        c.pad_a = 1;
        v.push_back(c);
      }
  }

  // On and around every block edge of every instruction set's blocking: the k slices (KC),
  // the row blocks of A (MC) and the column blocks of B (NC).
  add_block_edges<dnsgd::blocking::Avx512>(v);
  add_block_edges<dnsgd::blocking::Avx2>(v);
  add_block_edges<dnsgd::blocking::Portable>(v);

  // Both sides of the choice between packing A and reading it in place: narrow and wide B,
  // tiny and large products, and A^T whose stride is, or is not, a multiple of 16 doubles.
  for (Trans tb : kTrans)
    for (int n : {16, 33, 128, 129}) {
      v.push_back(make(Trans::No, tb, 150, n, 140, 1.0, 0.5));
      v.push_back(make(Trans::Yes, tb, 256, n, 70, 1.0, 0.0));
      v.push_back(make(Trans::Yes, tb, 250, n, 70, -1.0, 1.0));
      v.push_back(make(Trans::Yes, tb, 240, n, 70, 1.0, 0.0, 16));
    }

  // Random shapes, strides and scalars.
  Rng rng(99);
  for (int i = 0; i < 120; ++i)
    v.push_back(make(rng.below(2) ? Trans::Yes : Trans::No,
                     rng.below(2) ? Trans::Yes : Trans::No, 1 + rng.below(300),
                     1 + rng.below(300), 1 + rng.below(300), kAlphas[rng.below(4)],
                     kBetas[rng.below(4)], rng.below(9), rng.below(9), rng.below(9)));
  return v;
}

// Large products, above any threading threshold, whose result must not depend on the
// number of threads, bit for bit.
std::vector<Case> large_cases() {
  std::vector<Case> v = training_cases();
  v.resize(3);
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      v.push_back(make(ta, tb, 300, 301, 302, 1.0, 0.0, 1, 2, 3));
      v.push_back(make(ta, tb, 517, 259, 611, -0.5, 1.5));
      v.push_back(make(ta, tb, 1000, 40, 300, 1.0, 1.0));
      v.push_back(make(ta, tb, 40, 1000, 300, 2.0, 0.0, 0, 5, 0));
    }
  return v;
}

std::vector<Isa> machine_isas() {
  std::vector<Isa> v;
  for (int i = 0; i <= static_cast<int>(dnsgd::detected_isa()); ++i) {
    dnsgd::set_active_isa(static_cast<Isa>(i));
    if (CHECK(dnsgd::active_isa() == static_cast<Isa>(i))) v.push_back(static_cast<Isa>(i));
  }
  return v;
}

void check_suite(const std::vector<Isa>& isas, ThreadPool* two) {
  uint64_t seed = 1000;
  for (const Case& c : suite_cases()) {
    Expected e(c, seed++);
    for (Isa isa : isas) {
      dnsgd::set_active_isa(isa);
      std::string where = dnsgd::isa_name(isa);
      e.check(nullptr, (where + ", 1 thread").c_str());
      e.check(two, (where + ", 2 threads").c_str());
    }
  }
}

void check_thread_identity(const std::vector<Isa>& isas) {
  ThreadPool one(1), two(2), three(3);
  uint64_t seed = 3000;
  for (const Case& c : large_cases()) {
    Expected e(c, seed++);
    for (Isa isa : isas) {
      dnsgd::set_active_isa(isa);
      const char* where = dnsgd::isa_name(isa);
      Matrix serial = e.check(nullptr, where);
      Matrix r1 = e.check(&one, where), r2 = e.check(&two, where);
      Matrix r3 = e.check(&three, where);
      std::string d = c.describe();
      CHECK_MSG(serial.same_bits(r1) && serial.same_bits(r2) && serial.same_bits(r3),
                "[%s] %s: result depends on the thread count", where, d.c_str());
    }
  }
}

void check_no_allocation(const std::vector<Isa>& isas) {
  std::vector<Case> cases = training_cases();
  cases.push_back(make(Trans::No, Trans::No, 600, 700, 800));
  std::vector<Operands> ops;
  for (const Case& c : cases) ops.emplace_back(c, 7);
  std::vector<Matrix> outs;
  for (const Operands& op : ops) outs.push_back(op.c0.copy());
  auto call_all = [&] {
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      dnsgd::gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, ops[i].a.data.get(), ops[i].a.ld,
                  ops[i].b.data.get(), ops[i].b.ld, 0.0, outs[i].data.get(), outs[i].ld);
    }
  };
  for (Isa isa : isas) {
    dnsgd::set_active_isa(isa);
    call_all();  // the first call on this thread may set up its buffers
    long before = g_allocations.load();
    call_all();
    call_all();
    long after = g_allocations.load();
    CHECK_MSG(after == before, "[%s] gemm allocated %ld times after warming up",
              dnsgd::isa_name(isa), after - before);
  }
}

// The packing routines of every kernel set, both layouts, against the layout written out
// in gemm_internal.h, including the zero padding of edge panels. gemm() itself does not
// reach every one of them (it reads untransposed A in place on the vector paths).
void check_packing() {
  std::vector<const dnsgd::detail::KernelSet*> sets = {&dnsgd::detail::portable_kernels()};
#if DNSGD_GEMM_X86
  if (dnsgd::detected_isa() >= Isa::Avx2) sets.push_back(&dnsgd::detail::avx2_kernels());
  if (dnsgd::detected_isa() >= Isa::Avx512) sets.push_back(&dnsgd::detail::avx512_kernels());
#endif
  Rng rng(5);
  for (const auto* ks : sets)
    for (bool is_a : {true, false})
      for (Trans t : kTrans)
        for (int rows : {1, 3, 8, 13, 14, 16, 17, 29})
          for (int cols : {1, 7, 8, 9, 31}) {
            // Packed operand: rows x cols of op(X), panels `w` wide across rows (A) or
            // across cols (B). Stored X has row stride ld > its width.
            const int w = is_a ? ks->mr : ks->nr;
            const int across = is_a ? rows : cols, along = is_a ? cols : rows;
            const bool x_rows_along = is_a ? t == Trans::No : t == Trans::Yes;
            const int sr = x_rows_along ? across : along, sc = x_rows_along ? along : across;
            const int ld = sc + 3;
            std::vector<double> x(static_cast<size_t>(sr) * ld);
            for (double& v : x) v = rng.uniform();
            const int panels = (across + w - 1) / w;
            std::vector<double> out(static_cast<size_t>(panels) * w * along + 8, kNaN);
            (is_a ? ks->pack_a : ks->pack_b)(t, rows, cols, x.data(), ld, out.data());
            bool ok = true;
            for (int q = 0; q < panels; ++q)
              for (int p = 0; p < along; ++p)
                for (int r = 0; r < w; ++r) {
                  const int i = q * w + r;  // index across the panels
                  const double want =
                      i >= across ? 0.0
                                  : x_rows_along ? x[static_cast<size_t>(i) * ld + p]
                                                 : x[static_cast<size_t>(p) * ld + i];
                  const double got = out[(static_cast<size_t>(q) * along + p) * w + r];
                  if (!(got == want)) ok = false;
                }
            for (size_t e = static_cast<size_t>(panels) * w * along; e < out.size(); ++e)
              if (!std::isnan(out[e])) ok = false;  // wrote past the panels
            CHECK_MSG(ok, "pack_%s (mr %d nr %d) %c %dx%d: wrong layout", is_a ? "a" : "b",
                      ks->mr, ks->nr, t == Trans::No ? 'N' : 'T', rows, cols);
          }
}

void check_isa_control() {
  CHECK(std::string(dnsgd::isa_name(Isa::Portable)) == "portable");
  CHECK(std::string(dnsgd::isa_name(Isa::Avx2)) == "avx2");
  CHECK(std::string(dnsgd::isa_name(Isa::Avx512)) == "avx512");
  Isa best = dnsgd::detected_isa();
  dnsgd::set_active_isa(Isa::Avx512);
  CHECK(dnsgd::active_isa() == best);  // a request above the processor is clamped
  dnsgd::set_active_isa(Isa::Portable);
  CHECK(dnsgd::active_isa() == Isa::Portable);
  dnsgd::set_active_isa(best);
  CHECK(dnsgd::active_isa() == best);
}

}  // namespace

int main() {
  check_isa_control();
  check_packing();
  std::vector<Isa> isas = machine_isas();
  std::printf("instruction sets:");
  for (Isa isa : isas) std::printf(" %s", dnsgd::isa_name(isa));
  std::printf("\n");
  ThreadPool two(2);
  check_suite(isas, &two);
  std::printf("suite done\n");
  check_thread_identity(isas);
  std::printf("thread identity done\n");
  check_no_allocation(isas);
  dnsgd::set_active_isa(dnsgd::detected_isa());
  return check::check_summary();
}
