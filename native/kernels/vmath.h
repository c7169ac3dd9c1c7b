// Elementwise exponentials for the activations and the softmax, written as plain arithmetic
// so the compiler vectorizes them (libm's exp is one scalar call per value).
#pragma once

#include <cstddef>

namespace dnsgd {

// True when no element of v[0..n) is NaN or infinite.
bool all_finite(const double* v, size_t n);

// v[i] <- exp(v[i]) for i < n, within 1 ulp of libm for v in [-708, 709.78]; inputs below -708
// give 0 (the subnormal range is flushed), above 709.78 +infinity, and NaN stays NaN.
void exp_inplace(double* v, int n);

// v[i] <- 1 / (1 + exp(-v[i])).
void sigmoid_inplace(double* v, int n);

}  // namespace dnsgd
