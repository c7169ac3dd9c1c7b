#include "lastlayer.h"

#include <cmath>
#include <cstring>

#include "cholesky.h"
#include "gemm.h"

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

NewtonStatus NewtonSolver::direction(const Arch& arch, const Workspace& ws, const double* g,
                                     double* p, const NewtonOptions& opt, NewtonStats* stats,
                                     ThreadPool* pool) {
  const int L = arch.layers(), d1 = arch.sizes[L - 1] + 1, K = arch.outputs();
  const int n = build(arch, ws, pool);
  // For a PSD matrix the largest element is on the diagonal, so this is METHOD.md's H_max.
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
