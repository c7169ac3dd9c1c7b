#include "lastlayer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cholesky.h"
#include "gemm.h"
#include "optim.h"

namespace dnsgd {


int NewtonSolver::build(const Arch& arch, const Workspace& ws, ThreadPool* pool) {
  const int L = arch.layers(), N = ws.rows, d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const double* x = ws.act[L - 1].data();
  if (arch.output == Output::Linear) {
    h_.resize((size_t)d1 * d1);
    gemm(Trans::Yes, Trans::No, d1, d1, N, 2.0 / N, x, d1, x, d1, 0.0, h_.data(), d1, pool);
    return d1;
  }
  const int n = K * d1;
  h_.resize((size_t)n * n);
  scaled_.resize((size_t)N * d1);
  const double* p = ws.out.data();
  for (int j = 0; j < K; ++j) {
    for (int k = 0; k <= j; ++k) {
      // scaled = diag(c_jk) X~ with c_jk = p_j (delta_jk - p_k), per sample.
      for (int i = 0; i < N; ++i) {
        double pj = p[(size_t)i * K + j], pk = p[(size_t)i * K + k];
        double c = j == k ? pj * (1.0 - pj) : -pj * pk;
        const double* xi = x + (size_t)i * d1;
        double* si = scaled_.data() + (size_t)i * d1;
        for (int a = 0; a < d1; ++a) si[a] = c * xi[a];
      }
      double* block = h_.data() + (size_t)j * d1 * n + (size_t)k * d1;
      gemm(Trans::Yes, Trans::No, d1, d1, N, 1.0 / N, x, d1, scaled_.data(), d1, 0.0, block, n,
           pool);
    }
  }
  return n;
}

bool use_cg(int K, int d1, int N) {
  // Dense: K(K+1)/2 Gram blocks of d1^2 N multiply-adds, then a Cholesky of n^3 / 6.
  // CG: 2 N K d1 per iteration (two skinny products), and 15-35 iterations to 1e-12 in
  // practice, since the H_max shift bounds the condition number. Measured on this design's
  // target machine, the two cost the same near n = K d1 = 60 (batch 100) and CG is 3x ahead
  // at n = 210 (batch 200), 15x at n = 858 and 50x at n = 2570; this estimate switches in
  // between, where the two are within a few percent.
  const double n = (double)K * d1;
  const double dense = 0.5 * K * (K + 1) * (double)d1 * d1 * N + n * n * n / 6.0;
  const double cg = 30.0 * 2.0 * N * n;
  return dense > cg;
}

NewtonStatus NewtonSolver::direction(const Arch& arch, const Workspace& ws, const double* g,
                                     double* p, const NewtonOptions& opt, NewtonStats* stats,
                                     ThreadPool* pool) {
  const int L = arch.layers(), d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  if (arch.output == Output::Softmax &&
      (opt.solver == Solver::Cg || (opt.solver == Solver::Auto && use_cg(K, d1, ws.rows))))
    return cg(arch, ws, g, p, opt, stats, pool);
  return dense(arch, ws, g, p, opt, stats, pool);
}

void NewtonSolver::hessian_vector(const Arch& arch, const Workspace& ws, const double* v,
                                  double shift, double* q, ThreadPool* pool) {
  const int L = arch.layers(), N = ws.rows, d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const double* x = ws.act[L - 1].data();
  const double* prob = ws.out.data();
  // H v = (1/N) sum_i ((diag(p_i) - p_i p_i^T) V x~_i) x~_i^T, with V the K x d1 matrix of v:
  //   S = X~ V^T (N x K);  T_i = p_i * s_i - p_i (p_i . s_i);  H v = (1/N) T^T X~.
  gemm(Trans::No, Trans::Yes, N, K, d1, 1.0, x, d1, v, d1, 0.0, s_.data(), K, pool);
  for (int i = 0; i < N; ++i) {
    const double* pi = prob + (size_t)i * K;
    const double* si = s_.data() + (size_t)i * K;
    double* ti = t_.data() + (size_t)i * K;
    double dot = 0.0;
    for (int k = 0; k < K; ++k) dot += pi[k] * si[k];
    for (int k = 0; k < K; ++k) ti[k] = pi[k] * (si[k] - dot);
  }
  gemm(Trans::Yes, Trans::No, K, d1, N, 1.0 / N, t_.data(), K, x, d1, 0.0, q, d1, pool);
  const size_t n = (size_t)K * d1;
  for (size_t i = 0; i < n; ++i) q[i] += shift * v[i];
}

static double dot(const double* a, const double* b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

NewtonStatus NewtonSolver::cg(const Arch& arch, const Workspace& ws, const double* g, double* p,
                              const NewtonOptions& opt, NewtonStats* stats, ThreadPool* pool) {
  const int L = arch.layers(), N = ws.rows, d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const size_t n = (size_t)K * d1;
  const double* x = ws.act[L - 1].data();
  const double* prob = ws.out.data();
  diag_.resize(n);
  r_.resize(n);
  z_.resize(n);
  dir_.resize(n);
  q_.resize(n);
  s_.resize((size_t)N * K);
  t_.resize((size_t)N * K);

  // diag(H)[j, a] = (1/N) sum_i p_ij (1 - p_ij) x_ia^2: H_max without forming H, and the
  // Jacobi preconditioner.
  std::fill(diag_.begin(), diag_.end(), 0.0);
  for (int i = 0; i < N; ++i) {
    const double* xi = x + (size_t)i * d1;
    for (int j = 0; j < K; ++j) {
      double c = prob[(size_t)i * K + j] * (1.0 - prob[(size_t)i * K + j]);
      double* dj = diag_.data() + (size_t)j * d1;
      for (int a = 0; a < d1; ++a) dj[a] += c * xi[a] * xi[a];
    }
  }
  double h_max = 0.0;
  for (size_t i = 0; i < n; ++i) {
    diag_[i] /= N;
    h_max = diag_[i] > h_max ? diag_[i] : h_max;
  }
  NewtonStats st;
  st.h_max = h_max;
  const double shift = opt.alpha + h_max;
  st.shift = shift;
  if (!std::isfinite(shift)) {
    if (stats) *stats = st;
    return NewtonStatus::NonFinite;
  }
  if (!(shift > 0.0)) {
    // No damping and a zero Hessian: the system is singular, as the dense factor would find.
    st.failed_pivot = 1;
    if (stats) *stats = st;
    return NewtonStatus::FactorFailed;
  }
  for (size_t i = 0; i < n; ++i) diag_[i] = 1.0 / (diag_[i] + shift);

  // Preconditioned CG from p = 0.
  std::fill(p, p + n, 0.0);
  std::memcpy(r_.data(), g, sizeof(double) * n);
  const double gnorm = std::sqrt(dot(g, g, n));
  const int max_iter = opt.cg_max_iter > 0 ? opt.cg_max_iter : (int)std::min<size_t>(n, 1000);
  double rnorm = gnorm;
  int it = 0;
  if (gnorm > 0.0) {
    for (size_t i = 0; i < n; ++i) z_[i] = diag_[i] * r_[i];
    std::memcpy(dir_.data(), z_.data(), sizeof(double) * n);
    double rz = dot(r_.data(), z_.data(), n);
    while (it < max_iter) {
      ++it;
      hessian_vector(arch, ws, dir_.data(), shift, q_.data(), pool);
      double step = rz / dot(dir_.data(), q_.data(), n);
      for (size_t i = 0; i < n; ++i) {
        p[i] += step * dir_[i];
        r_[i] -= step * q_[i];
      }
      rnorm = std::sqrt(dot(r_.data(), r_.data(), n));
      if (!(rnorm > opt.cg_tol * gnorm)) break;  // also leaves on NaN
      for (size_t i = 0; i < n; ++i) z_[i] = diag_[i] * r_[i];
      double rz_next = dot(r_.data(), z_.data(), n);
      double beta = rz_next / rz;
      rz = rz_next;
      for (size_t i = 0; i < n; ++i) dir_[i] = z_[i] + beta * dir_[i];
    }
  }
  st.cg_iters = it;
  st.cg_residual = gnorm > 0.0 ? rnorm / gnorm : 0.0;
  if (stats) *stats = st;
  if (!std::isfinite(rnorm) || !all_finite(p, n)) return NewtonStatus::NonFinite;
  // Short of the tolerance after max_iter: accept a residual that is still small (the shift
  // keeps the system well conditioned, so this is rare), refuse anything worse.
  if (st.cg_residual > 1e-6) return NewtonStatus::NotConverged;
  return NewtonStatus::Ok;
}

NewtonStatus NewtonSolver::dense(const Arch& arch, const Workspace& ws, const double* g,
                                 double* p, const NewtonOptions& opt, NewtonStats* stats,
                                 ThreadPool* pool) {
  const int L = arch.layers(), d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const int n = build(arch, ws, pool);
  // For a PSD matrix the largest element is on the diagonal, so this is docs/method.md's H_max.
  double h_max = h_[0];
  for (int i = 1; i < n; ++i) h_max = h_[(size_t)i * n + i] > h_max ? h_[(size_t)i * n + i] : h_max;
  NewtonStats st;
  st.h_max = h_max;
  if (!std::isfinite(h_max)) {
    if (stats) *stats = st;
    return NewtonStatus::NonFinite;
  }
  factor_.resize((size_t)n * n);
  const int nrhs = arch.output == Output::Linear ? K : 1;
  const size_t count = (size_t)K * d1;
  // Floors tried, in order, only when the caller allows them: the smallest that succeeds.
  static const double kFloors[] = {0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0};
  const int tries = opt.allow_floor ? (int)(sizeof(kFloors) / sizeof(kFloors[0])) : 1;
  for (int t = 0; t < tries; ++t) {
    double floor = kFloors[t] * (h_max > 1.0 ? h_max : 1.0);
    double shift = opt.alpha + h_max + floor;
    for (int i = 0; i < n; ++i) {
      std::memcpy(&factor_[(size_t)i * n], &h_[(size_t)i * n], sizeof(double) * (i + 1));
      factor_[(size_t)i * n + i] += shift;
    }
    int info = cholesky_factor(factor_.data(), n, n, pool);
    st.shift = shift;
    st.floor = floor;
    st.failed_pivot = info;
    if (info) continue;
    std::memcpy(p, g, sizeof(double) * count);
    cholesky_solve(factor_.data(), n, n, p, nrhs, n);
    double sum = 0.0;
    for (size_t i = 0; i < count; ++i) sum += p[i];
    if (stats) *stats = st;
    return std::isfinite(sum) ? NewtonStatus::Ok : NewtonStatus::NonFinite;
  }
  if (stats) *stats = st;
  return NewtonStatus::FactorFailed;
}

void NewtonSolver::full_hessian(const Arch& arch, const Workspace& ws, double* h,
                                ThreadPool* pool) {
  const int L = arch.layers(), d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const int n = K * d1;
  const int m = build(arch, ws, pool);
  std::memset(h, 0, sizeof(double) * (size_t)n * n);
  if (arch.output == Output::Linear) {
    for (int k = 0; k < K; ++k)
      for (int a = 0; a < d1; ++a)
        for (int b = 0; b <= a; ++b) {
          double v = h_[(size_t)a * m + b];
          h[(size_t)(k * d1 + a) * n + k * d1 + b] = v;
          h[(size_t)(k * d1 + b) * n + k * d1 + a] = v;
        }
    return;
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      // Within a diagonal block gemm filled both triangles; read the lower one everywhere.
      double v = h_[(size_t)i * n + j];
      h[(size_t)i * n + j] = v;
      h[(size_t)j * n + i] = v;
    }
}

}  // namespace dnsgd
