// Native micro-benchmarks of the kernels around the product: the last layer's softmax Hessian
// build, the blocked Cholesky factor and its solve, and one full step of each optimizer (CG and
// dense). Each checks its result against a reference first, then reports the best of several
// timings, GFLOP/s where the flop count is clear, and the ratio to the reference code path.
//   build-native/bench/native/bench_kernels [--threads N]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cholesky.h"
#include "kernels/lastlayer.h"
#include "kernels/network.h"
#include "kernels/optim.h"
#include "kernels/rng.h"
#include "kernels/threadpool.h"

using namespace dnsgd;
using Clock = std::chrono::steady_clock;

namespace {

template <class F>
double best_seconds(F&& fn, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    Clock::time_point t0 = Clock::now();
    fn();
    best = std::fmin(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

std::vector<double> random_vec(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = 2 * rng.uniform() - 1;
  return v;
}

// An SPD matrix like a damped Hessian: B B^T / n + I.
std::vector<double> spd(int n) {
  std::vector<double> b = random_vec((size_t)n * n, 7), a((size_t)n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += b[(size_t)i * n + k] * b[(size_t)j * n + k];
      a[(size_t)i * n + j] = a[(size_t)j * n + i] = s / n + (i == j);
    }
  return a;
}

void bench_cholesky(ThreadPool* pool) {
  std::printf("\n-- Cholesky factor (blocked vs the unblocked reference) and solve\n");
  std::printf("%6s %12s %10s %12s %10s %8s %12s\n", "n", "blocked", "GFLOP/s", "reference",
              "GFLOP/s", "speedup", "solve");
  for (int n : {156, 858, 1500, 2570}) {
    std::vector<double> a = spd(n), f = a, r = a;
    if (cholesky_factor(f.data(), n, n, pool) || cholesky_factor_reference(r.data(), n, n)) {
      std::printf("%6d factor failed\n", n);
      continue;
    }
    double diff = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j)
        diff = std::fmax(diff, std::fabs(f[(size_t)i * n + j] - r[(size_t)i * n + j]));
    if (diff > 1e-10) {
      std::printf("%6d blocked factor differs from the reference by %g\n", n, diff);
      std::exit(1);
    }
    int reps = n > 1500 ? 2 : 4;
    double tb = best_seconds([&] { f = a; cholesky_factor(f.data(), n, n, pool); }, reps);
    double tr = best_seconds([&] { r = a; cholesky_factor_reference(r.data(), n, n); }, 1);
    std::vector<double> rhs = random_vec(n, 3);
    double ts = best_seconds([&] { cholesky_solve(f.data(), n, n, rhs.data(), 1, n); }, 5);
    double flops = (double)n * n * n / 3.0;
    std::printf("%6d %10.2fms %10.1f %10.2fms %10.1f %7.1fx %10.1fus\n", n, tb * 1e3,
                flops / tb * 1e-9, tr * 1e3, flops / tr * 1e-9, tr / tb, ts * 1e6);
  }
}

struct Problem {
  Arch arch;
  std::vector<double> theta, x;
  std::vector<int32_t> labels;
  Batch batch;
};

Problem softmax_problem(std::vector<int> sizes, int rows) {
  Problem p;
  p.arch.sizes = sizes;
  p.arch.output = Output::Softmax;
  p.theta.resize(p.arch.param_count());
  init_params(p.arch, 1, p.theta.data());
  p.x = random_vec((size_t)rows * sizes.front(), 5);
  Rng rng(9);
  p.labels.resize(rows);
  for (int32_t& l : p.labels) l = (int32_t)rng.below(sizes.back());
  p.batch.rows = rows;
  p.batch.x = p.x.data();
  p.batch.labels = p.labels.data();
  return p;
}

void bench_hessian(ThreadPool* pool) {
  std::printf("\n-- softmax Hessian build (K(K+1)/2 Gram blocks), one batch\n");
  std::printf("%-16s %6s %8s %12s %10s\n", "shape", "batch", "K(d+1)", "build", "GFLOP/s");
  const std::vector<std::pair<std::vector<int>, int>> shapes = {
      {{16, 32, 26}, 200}, {{784, 256, 10}, 128}, {{228, 6, 2}, 200}};
  for (const auto& [sizes, rows] : shapes) {
    Problem p = softmax_problem(sizes, rows);
    Workspace ws;
    ws.reserve(p.arch, rows);
    Weights w;
    layer_pointers(p.arch, p.theta.data(), w);
    forward(p.arch, w, p.batch, ws, pool);
    NewtonSolver solver;
    int K = sizes.back(), d1 = sizes[sizes.size() - 2] + 1, n = K * d1;
    std::vector<double> h((size_t)n * n);
    // Reference check: the quadratic form of the built matrix against H v from its
    // definition (diag(p) - p p^T) (x) x x^T, for one random v.
    solver.full_hessian(p.arch, ws, h.data(), pool);
    std::vector<double> v = random_vec(n, 11);
    double built = 0, direct = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) built += v[i] * h[(size_t)i * n + j] * v[j];
    const double* X = ws.act[sizes.size() - 2].data();
    for (int r = 0; r < rows; ++r) {
      std::vector<double> s(K);
      for (int k = 0; k < K; ++k) {
        s[k] = 0;
        for (int a = 0; a < d1; ++a) s[k] += v[(size_t)k * d1 + a] * X[(size_t)r * d1 + a];
      }
      const double* pr = ws.out.data() + (size_t)r * K;
      double ps = 0;
      for (int k = 0; k < K; ++k) ps += pr[k] * s[k];
      for (int k = 0; k < K; ++k) direct += s[k] * pr[k] * (s[k] - ps);
    }
    direct /= rows;
    if (std::fabs(built - direct) > 1e-9 * (1 + std::fabs(direct))) {
      std::printf("Hessian check failed: %g vs %g\n", built, direct);
      std::exit(1);
    }
    double t = best_seconds([&] { solver.full_hessian(p.arch, ws, h.data(), pool); }, 3);
    double flops = 0.5 * K * (K + 1) * 2.0 * d1 * d1 * rows;
    char name[64];
    std::snprintf(name, sizeof name, "(%d,%d,%d)", sizes[0], sizes[1], sizes[2]);
    std::printf("%-16s %6d %8d %10.1fus %10.1f\n", name, rows, n, t * 1e6, flops / t * 1e-9);
  }
}

void bench_steps(ThreadPool* pool) {
  std::printf("\n-- one optimizer step (microseconds, best of 20)\n");
  std::printf("%-16s %6s %10s %12s %12s %12s %12s\n", "shape", "batch", "sgd", "dn-sgd cg",
              "dn-sgd dense", "sgd-dn cg", "sgd-dn dense");
  const std::vector<std::pair<std::vector<int>, int>> shapes = {
      {{16, 32, 26}, 200}, {{784, 256, 10}, 128}, {{228, 6, 2}, 200}, {{96, 4, 2}, 200}};
  for (const auto& [sizes, rows] : shapes) {
    double t[5];
    int i = 0;
    for (int c = 0; c < 5; ++c) {
      Problem p = softmax_problem(sizes, rows);
      StepConfig cfg;
      cfg.method = c == 0 ? Method::Sgd : (c <= 2 ? Method::DnSgd : Method::SgdDn);
      cfg.newton.alpha = 0.01;
      cfg.newton.solver = (c == 1 || c == 3) ? Solver::Cg : Solver::Dense;
      Stepper s(p.arch, cfg);
      StepStats st;
      for (int k = 0; k < 3; ++k) s.step(p.theta.data(), p.batch, &st, pool);
      bool dense_big = cfg.newton.solver == Solver::Dense && sizes[1] > 100;
      t[i++] = best_seconds([&] { s.step(p.theta.data(), p.batch, &st, pool); },
                            dense_big ? 3 : 20);
    }
    char name[64];
    std::snprintf(name, sizeof name, "(%d,%d,%d)", sizes[0], sizes[1], sizes[2]);
    std::printf("%-16s %6d %10.1f %12.1f %12.1f %12.1f %12.1f\n", name, rows, t[0] * 1e6,
                t[1] * 1e6, t[2] * 1e6, t[3] * 1e6, t[4] * 1e6);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  ThreadPool pool(threads < 1 ? 1 : threads);
  std::printf("bench_kernels: %d thread(s)\n", pool.size());
  bench_cholesky(&pool);
  bench_hessian(&pool);
  bench_steps(&pool);
  return 0;
}
