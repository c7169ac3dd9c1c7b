// Cholesky factorization A = L L^T of a symmetric positive definite matrix, and solves with it.
//
// Row-major, n x n with row stride lda. Only the lower triangle of A is read; the factor
// overwrites it (the strict upper triangle may be overwritten with scratch values).
// A failure is a status, never an exception or NaN output: the return value is 0 on success,
// else 1 + the index of the first pivot that was not positive and finite.
#pragma once

namespace dnsgd {

class ThreadPool;

// Blocked right-looking factorization; the trailing update runs on gemm.
int cholesky_factor(double* a, int n, int lda, ThreadPool* pool = nullptr);

// The unblocked textbook loop with the same contract: the reference for tests.
int cholesky_factor_reference(double* a, int n, int lda);

// Solves (L L^T) x = b in place for each of the nrhs rows of b (row r at b + r * ldb),
// with L from cholesky_factor.
void cholesky_solve(const double* l, int n, int lda, double* b, int nrhs, int ldb);

}  // namespace dnsgd
