// Micro-benchmark of dnsgd::gemm: GFLOP/s per instruction set and thread count on square and
// training-step shapes, each validated against the reference before it is timed. With
// OpenBLAS found at configure time it also times cblas_dgemm (row-major) in the same run.
//
//   bench_gemm [--quick] [--square] [--training] [--isa=NAME] [--threads=N] [--ghz=G]
//              [--no-openblas]
//
// Peak = clock x flops per cycle per core x threads. The clock is kClockGhz below (the
// nominal 4.4 GHz of the target machine; --ghz or DNSGD_BENCH_GHZ replaces it), and flops per
// cycle are 2 FMA pipes x vector doubles x 2 (multiply and add): 32 for AVX-512, 16 for AVX2,
// 4 for the portable path (SSE2: one 2-wide multiply and one 2-wide add per cycle). The
// sustained FMA rate of this machine is also measured and printed, as a check on the clock.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/threadpool.h"

#ifdef DNSGD_BENCH_OPENBLAS_PATH
#include <dlfcn.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#define DNSGD_BENCH_X86 1
#else
#define DNSGD_BENCH_X86 0
#endif

namespace {

using dnsgd::Isa;
using dnsgd::Trans;

constexpr double kClockGhz = 4.4;

double flops_per_cycle(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return 2 * 8 * 2;
    case Isa::Avx2: return 2 * 4 * 2;
    default: return 4;
  }
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Shape {
  const char* label;
  int m, n, k;
  Trans ta, tb;
  int ldb_extra;  // input gradient: W's bias column is skipped, so ldb = n + 1
};

struct Operands {
  std::vector<double> a, b, c;
  int lda, ldb, ldc;
  explicit Operands(const Shape& s) {
    lda = s.ta == Trans::No ? s.k : s.m;
    ldb = (s.tb == Trans::No ? s.n : s.k) + s.ldb_extra;
    ldc = s.n;
    a.resize(static_cast<size_t>(s.ta == Trans::No ? s.m : s.k) * lda);
    b.resize(static_cast<size_t>(s.tb == Trans::No ? s.k : s.n) * ldb);
    c.assign(static_cast<size_t>(s.m) * ldc, 0.0);
    uint64_t x = 88172645463325252ull;
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return (x >> 11) * (2.0 / 9007199254740992.0) - 1.0;
    };
    for (double& v : a) v = next();
    for (double& v : b) v = next();
  }
};

using GemmCall = void (*)(const Shape&, Operands&, void* ctx);

// Best time per call over many batches of about a millisecond each, within `budget_s`
// seconds: short batches, and the fastest of them, filter out the time slices other
// processes take on a shared machine.
double time_call(const Shape& s, Operands& op, GemmCall call, void* ctx, double budget_s) {
  call(s, op, ctx);  // warm caches and per-thread buffers
  double t0 = now();
  call(s, op, ctx);
  const double once = std::fmax(now() - t0, 1e-7);
  const int reps = static_cast<int>(std::fmax(1.0, 1e-3 / once));
  double best = INFINITY;
  const double start = now();
  for (int batch = 0; batch < 5 || now() - start < budget_s; ++batch) {
    t0 = now();
    for (int r = 0; r < reps; ++r) call(s, op, ctx);
    best = std::fmin(best, (now() - t0) / reps);
  }
  return best;
}

void call_dnsgd(const Shape& s, Operands& op, void* pool) {
  dnsgd::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0, op.a.data(), op.lda, op.b.data(), op.ldb, 0.0,
              op.c.data(), op.ldc, static_cast<dnsgd::ThreadPool*>(pool));
}

// Largest |fast - ref| relative to sum |a||b| over C; the product must be right to be timed.
double validate(const Shape& s, Operands& op, dnsgd::ThreadPool* pool) {
  call_dnsgd(s, op, pool);
  std::vector<double> ref(op.c.size());
  dnsgd::gemm_reference(s.ta, s.tb, s.m, s.n, s.k, 1.0, op.a.data(), op.lda, op.b.data(),
                        op.ldb, 0.0, ref.data(), op.ldc);
  std::vector<double> abs_a(op.a), abs_b(op.b), bound(op.c.size());
  for (double& v : abs_a) v = std::fabs(v);
  for (double& v : abs_b) v = std::fabs(v);
  dnsgd::gemm_reference(s.ta, s.tb, s.m, s.n, s.k, 1.0, abs_a.data(), op.lda, abs_b.data(),
                        op.ldb, 0.0, bound.data(), op.ldc);
  double worst = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double e = std::fabs(op.c[i] - ref[i]) / (bound[i] + 1e-300);
    if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
  }
  return worst;
}

#ifdef DNSGD_BENCH_OPENBLAS_PATH
// The CBLAS entry points, loaded at run time: OpenBLAS reads OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE when it loads, and this environment sets both to values that slow it
// down, so they are removed just before the library is opened (dnsgd reads neither).
using CblasDgemm = void (*)(int, int, int, int, int, int, double, const double*, int,
                            const double*, int, double, double*, int);
using SetThreads = void (*)(int);
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111, kCblasTrans = 112;
CblasDgemm g_cblas_dgemm = nullptr;
SetThreads g_openblas_threads = nullptr;

bool load_openblas() {
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv("OPENBLAS_L2_SIZE");
  void* lib = dlopen(DNSGD_BENCH_OPENBLAS_PATH, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::printf("OpenBLAS: cannot open %s: %s\n", DNSGD_BENCH_OPENBLAS_PATH, dlerror());
    return false;
  }
  g_cblas_dgemm = reinterpret_cast<CblasDgemm>(dlsym(lib, "cblas_dgemm"));
  g_openblas_threads = reinterpret_cast<SetThreads>(dlsym(lib, "openblas_set_num_threads"));
  if (!g_cblas_dgemm) std::printf("OpenBLAS: no cblas_dgemm in %s\n", DNSGD_BENCH_OPENBLAS_PATH);
  return g_cblas_dgemm != nullptr;
}

void call_openblas(const Shape& s, Operands& op, void*) {
  g_cblas_dgemm(kCblasRowMajor, s.ta == Trans::No ? kCblasNoTrans : kCblasTrans,
                s.tb == Trans::No ? kCblasNoTrans : kCblasTrans, s.m, s.n, s.k, 1.0,
                op.a.data(), op.lda, op.b.data(), op.ldb, 0.0, op.c.data(), op.ldc);
}
#endif

#if DNSGD_BENCH_X86
// Sustained FMA rate of one core with independent chains, in GFLOP/s.
__attribute__((target("avx512f"))) double fma_peak_avx512() {
  __m512d acc[24];
  const __m512d x = _mm512_set1_pd(0.999999), y = _mm512_set1_pd(1e-7);
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_pd(i);
  const long iters = 20000000;
  double t0 = now();
  for (long t = 0; t < iters; ++t)
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_pd(acc[i], x, y);
  double t = now() - t0;
  __m512d s = acc[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_pd(s, acc[i]);
  double out[8];
  _mm512_storeu_pd(out, s);
  if (out[0] == 42.0) std::printf(" ");  // keeps the loop alive
  return iters * 24.0 * 16 / t / 1e9;
}
#endif

struct Row {
  Isa isa_id;
  std::string isa;
  int threads;
  const Shape* shape;
  double gflops, peak_fraction, openblas_gflops;
  bool valid;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, square = false, training = false, openblas = true;
  std::string only_isa;
  int only_threads = 0;
  double ghz = kClockGhz;
  if (const char* env = std::getenv("DNSGD_BENCH_GHZ")) ghz = std::atof(env);
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--square")) square = true;
    else if (!std::strcmp(argv[i], "--training")) training = true;
    else if (!std::strcmp(argv[i], "--no-openblas")) openblas = false;
    else if (!std::strncmp(argv[i], "--ghz=", 6)) ghz = std::atof(argv[i] + 6);
    else if (!std::strncmp(argv[i], "--isa=", 6)) only_isa = argv[i] + 6;
    else if (!std::strncmp(argv[i], "--threads=", 10)) only_threads = std::atoi(argv[i] + 10);
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--square] [--training] [--isa=NAME] "
                   "[--threads=N] [--ghz=G] [--no-openblas]\n", argv[0]);
      return 2;
    }
  }
  if (!square && !training) square = training = true;

  static const Shape kSquare[] = {
      {"square", 64, 64, 64, Trans::No, Trans::No, 0},
      {"square", 128, 128, 128, Trans::No, Trans::No, 0},
      {"square", 256, 256, 256, Trans::No, Trans::No, 0},
      {"square", 512, 512, 512, Trans::No, Trans::No, 0},
      {"square", 768, 768, 768, Trans::No, Trans::No, 0},
      {"square", 1024, 1024, 1024, Trans::No, Trans::No, 0},
  };
  static const Shape kTraining[] = {
      {"forward X.W^T", 128, 256, 785, Trans::No, Trans::Yes, 0},
      {"weight grad D^T.X", 256, 785, 128, Trans::Yes, Trans::No, 0},
      {"input grad D.W", 128, 784, 256, Trans::No, Trans::No, 1},
      {"small fwd", 50, 5, 289, Trans::No, Trans::Yes, 0},
      {"small fwd", 200, 26, 33, Trans::No, Trans::Yes, 0},
      {"small fwd", 200, 6, 229, Trans::No, Trans::Yes, 0},
      {"small wgrad", 26, 33, 200, Trans::Yes, Trans::No, 0},
  };
  std::vector<const Shape*> shapes;
  if (square) for (const Shape& s : kSquare) shapes.push_back(&s);
  if (training) for (const Shape& s : kTraining) shapes.push_back(&s);

  const double budget = quick ? 0.1 : 0.5;
  std::printf("clock for peak: %.2f GHz\n", ghz);
#if DNSGD_BENCH_X86
  if (dnsgd::detected_isa() == Isa::Avx512) {
    const double rate = fma_peak_avx512();
    std::printf("measured AVX-512 FMA rate of one core, before: %.1f GFLOP/s (%.2f GHz x 32)\n",
                rate, rate / 32);
  }
#endif

  bool have_openblas = false;
#ifdef DNSGD_BENCH_OPENBLAS_PATH
  if (openblas && load_openblas()) {
    have_openblas = true;
    std::printf("OpenBLAS: %s (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)\n",
                DNSGD_BENCH_OPENBLAS_PATH);
  }
#else
  (void)openblas;
  std::printf("OpenBLAS not found at configure time: no comparison\n");
#endif

  // Shape by shape, OpenBLAS and then every instruction set back to back, so that the
  // ratios compare runs made under the same load of a shared machine.
  dnsgd::ThreadPool pool2(2);
  std::vector<Row> rows;
  for (int threads : {1, 2}) {
    if (only_threads && threads != only_threads) continue;
    dnsgd::ThreadPool* pool = threads == 1 ? nullptr : &pool2;
    for (const Shape* s : shapes) {
      Operands op(*s);
      const double flop = 2.0 * s->m * s->n * s->k;
      double openblas_gflops = NAN;
#ifdef DNSGD_BENCH_OPENBLAS_PATH
      if (have_openblas) {
        if (g_openblas_threads) g_openblas_threads(threads);
        openblas_gflops = flop / time_call(*s, op, call_openblas, nullptr, budget) / 1e9;
        // Its idle workers spin for a while before they sleep: let them, off our clock.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
#endif
      for (int i = static_cast<int>(dnsgd::detected_isa()); i >= 0; --i) {
        const Isa isa = static_cast<Isa>(i);
        if (!only_isa.empty() && only_isa != dnsgd::isa_name(isa)) continue;
        dnsgd::set_active_isa(isa);
        Row r{isa, dnsgd::isa_name(isa), threads, s, 0, 0, openblas_gflops, false};
        const double err = validate(*s, op, pool);
        r.valid = err <= 1e-12;
        if (!r.valid) std::printf("INVALID %s %dx%dx%d: error %.3g\n", r.isa.c_str(), s->m,
                                  s->n, s->k, err);
        r.gflops = flop / time_call(*s, op, call_dnsgd, pool, budget) / 1e9;
        r.peak_fraction = r.gflops / (ghz * flops_per_cycle(isa) * threads);
        rows.push_back(r);
      }
    }
  }
  dnsgd::set_active_isa(dnsgd::detected_isa());
  (void)have_openblas;
#if DNSGD_BENCH_X86
  if (dnsgd::detected_isa() == Isa::Avx512) {
    const double rate = fma_peak_avx512();
    std::printf("measured AVX-512 FMA rate of one core, after: %.1f GFLOP/s\n", rate);
  }
#endif
  // Grouped by instruction set, then thread count, in shape order.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return x.isa_id != y.isa_id ? x.isa_id > y.isa_id : x.threads < y.threads;
  });

  std::printf("\n%-8s %3s  %-18s %5s %5s %5s %2s  %8s %6s  %8s %6s\n", "isa", "thr", "shape",
              "m", "n", "k", "op", "GFLOP/s", "%peak", "OpenBLAS", "ratio");
  bool all_valid = true;
  for (const Row& r : rows) {
    const Shape& s = *r.shape;
    char ops[3] = {s.ta == Trans::No ? 'N' : 'T', s.tb == Trans::No ? 'N' : 'T', 0};
    std::printf("%-8s %3d  %-18s %5d %5d %5d %2s  %8.1f %5.1f%%", r.isa.c_str(), r.threads,
                s.label, s.m, s.n, s.k, ops, r.gflops, 100 * r.peak_fraction);
    if (std::isnan(r.openblas_gflops)) std::printf("  %8s %6s", "-", "-");
    else std::printf("  %8.1f %6.2f", r.openblas_gflops, r.gflops / r.openblas_gflops);
    std::printf("%s\n", r.valid ? "" : "  INVALID");
    all_valid = all_valid && r.valid;
  }
  return all_valid ? 0 : 1;
}
