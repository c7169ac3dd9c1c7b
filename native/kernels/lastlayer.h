// The last layer's Hessian and the damped Newton direction (docs/method.md).
//
//   p = (H + (alpha + H_max) I)^-1 g,   g and p in the layout of W(L): K x (d+1), row-major
//
// X~ is the augmented input of the last layer (ws.act[L-1], N x (d+1)); P the softmax
// probabilities (ws.out). MSE: H = I_K (x) G with G = (2/N) X~^T X~, so one (d+1) factor
// serves all K rows. Softmax: H is K(d+1) square, class-major, block (j, k) =
// (1/N) X~^T diag(p_j (delta_jk - p_k)) X~; only its lower triangle is built.
#pragma once

#include <cstdint>
#include <vector>

#include "network.h"

namespace dnsgd {

class ThreadPool;

enum class NewtonStatus : uint8_t { Ok, FactorFailed, NonFinite, NotConverged };

// Dense: build H, Cholesky, solve. Cg: matrix-free preconditioned conjugate gradients with
// Hessian-vector products straight from the batch (softmax only; MSE is always dense, its
// (d+1) block is cheap). Auto picks by the cost model in use_cg().
enum class Solver : uint8_t { Auto, Dense, Cg };

struct NewtonOptions {
  double alpha = 0.0;        // damping added to H_max; >= 0
  bool allow_floor = false;  // on a failed factor, retry with the smallest floor that works
  Solver solver = Solver::Auto;
  double cg_tol = 1e-12;     // CG stops when ||residual|| <= cg_tol * ||g||
  int cg_max_iter = 0;       // 0: min(n, 1000)
};

struct NewtonStats {
  double h_max = 0.0;   // largest element of H (its largest diagonal element: H is PSD)
  double shift = 0.0;   // alpha + H_max + floor, the value added to the diagonal
  double floor = 0.0;   // extra shift a failed factorization needed (0 when none)
  int failed_pivot = 0; // 1 + index of the failing pivot when the status is FactorFailed
  int cg_iters = 0;     // conjugate-gradient iterations (0 when the dense solve ran)
  double cg_residual = 0.0;  // final ||r|| / ||g|| of CG
};

// Whether Solver::Auto takes CG for a softmax last layer of K classes, d1 = d + 1 inputs and
// a batch of N rows.
bool use_cg(int K, int d1, int N);

class NewtonSolver {
 public:
  // Direction p for the gradient g of the last layer at the state of the last forward pass.
  // p may not alias g. Allocates only when the architecture or batch grows.
  NewtonStatus direction(const Arch& arch, const Workspace& ws, const double* g, double* p,
                         const NewtonOptions& opt, NewtonStats* stats, ThreadPool* pool);

  // The undamped Hessian as a full symmetric n x n matrix, n = K (d+1) (both triangles), for
  // tests and for users who inspect it. Not on any training path.
  void full_hessian(const Arch& arch, const Workspace& ws, double* h, ThreadPool* pool);

 private:
  // Builds the lower triangle of G (MSE, order d+1) or H (softmax, order K(d+1)) in h_.
  int build(const Arch& arch, const Workspace& ws, ThreadPool* pool);
  NewtonStatus dense(const Arch& arch, const Workspace& ws, const double* g, double* p,
                     const NewtonOptions& opt, NewtonStats* stats, ThreadPool* pool);
  NewtonStatus cg(const Arch& arch, const Workspace& ws, const double* g, double* p,
                  const NewtonOptions& opt, NewtonStats* stats, ThreadPool* pool);
  // q = (H + shift I) v for the softmax Hessian of the last forward pass.
  void hessian_vector(const Arch& arch, const Workspace& ws, const double* v, double shift,
                      double* q, ThreadPool* pool);

  std::vector<double> h_, factor_, scaled_;
  std::vector<double> diag_, r_, z_, dir_, q_, s_, t_;  // CG scratch
};

}  // namespace dnsgd
