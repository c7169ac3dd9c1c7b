// The blocked Cholesky factor against the unblocked reference, by reconstruction L L^T = A,
// on sizes around the block boundaries; the solve by its residual; failures as statuses.
#include <cmath>
#include <vector>

#include "check.h"
#include "kernels/cholesky.h"
#include "kernels/rng.h"
#include "kernels/threadpool.h"

using namespace dnsgd;

// A random SPD matrix: B B^T / n + I, row-major n x n.
static std::vector<double> spd(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> b((size_t)n * n), a((size_t)n * n);
  for (double& v : b) v = 2 * rng.uniform() - 1;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += b[(size_t)i * n + k] * b[(size_t)j * n + k];
      a[(size_t)i * n + j] = s / n + (i == j ? 1.0 : 0.0);
    }
  return a;
}

static double reconstruction_error(const std::vector<double>& a, const std::vector<double>& l,
                                   int n) {
  double worst = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = 0; k <= j; ++k) s += l[(size_t)i * n + k] * l[(size_t)j * n + k];
      worst = std::fmax(worst, std::fabs(s - a[(size_t)i * n + j]));
    }
  return worst;
}

int main() {
  ThreadPool pool(2);
  for (int n : {1, 2, 7, 63, 95, 96, 97, 191, 200, 257}) {
    std::vector<double> a = spd(n, n);
    std::vector<double> fast = a, ref = a;
    bool ok = CHECK(cholesky_factor(fast.data(), n, n, &pool) == 0);
    ok &= CHECK(cholesky_factor_reference(ref.data(), n, n) == 0);
    if (!ok) continue;
    double err = reconstruction_error(a, fast, n);
    if (!CHECK(err < 1e-12 * n)) std::fprintf(stderr, "  n=%d: |LL^T - A| = %g\n", n, err);
    double diff = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j)
        diff = std::fmax(diff, std::fabs(fast[(size_t)i * n + j] - ref[(size_t)i * n + j]));
    CHECK(diff < 1e-12);
    // Two right-hand sides as rows; the residual of A x = b must be tiny.
    Rng rng(99);
    std::vector<double> b(2 * (size_t)n), x;
    for (double& v : b) v = rng.uniform();
    x = b;
    cholesky_solve(fast.data(), n, n, x.data(), 2, n);
    double res = 0;
    for (int r = 0; r < 2; ++r)
      for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int k = 0; k < n; ++k) s += a[(size_t)i * n + k] * x[(size_t)r * n + k];
        res = std::fmax(res, std::fabs(s - b[(size_t)r * n + i]));
      }
    CHECK(res < 1e-11);
  }
  // Not positive definite: the status names the first bad pivot, 1-based.
  for (int n : {5, 150}) {
    std::vector<double> a = spd(n, 7);
    int bad = n - 2;
    for (int j = 0; j < n; ++j) a[(size_t)bad * n + j] = a[(size_t)j * n + bad] = 0.0;
    CHECK(cholesky_factor(a.data(), n, n, &pool) == bad + 1);
    std::vector<double> z((size_t)n * n, 0.0);
    CHECK(cholesky_factor(z.data(), n, n, &pool) == 1);
    z[0] = NAN;
    CHECK(cholesky_factor(z.data(), n, n, &pool) == 1);
  }
  return check::check_summary();
}
