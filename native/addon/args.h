// Argument checks at the native boundary. The TypeScript layer validates first and writes the
// user-facing messages; these re-check everything memory safety depends on (kinds, lengths,
// label ranges, aliasing) so that no call from JavaScript can read or write out of bounds.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "kernels/network.h"

namespace dnsgd_addon {

// Throws a JS TypeError/RangeError (C++ exceptions are on: NAPI_CPP_EXCEPTIONS).
[[noreturn]] void type_error(Napi::Env env, const std::string& msg);
[[noreturn]] void range_error(Napi::Env env, const std::string& msg);

Napi::Float64Array float64_arg(const Napi::CallbackInfo& info, size_t i, const char* name);
int32_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t lo,
                int32_t hi);
double number_arg(const Napi::CallbackInfo& info, size_t i, const char* name);

// Checks a Float64Array holds exactly `count` elements.
void expect_length(Napi::Env env, const Napi::Float64Array& a, size_t count, const char* name);

// Throws a RangeError naming the first NaN or infinity in v (n values, cols per row).
void expect_finite(Napi::Env env, const double* v, size_t n, size_t cols, const char* name);

// Builds a Batch from (x, targets, rows) arguments at positions i, i+1, i+2: x must hold
// rows * n0 doubles, targets rows * K doubles (linear) or rows labels in [0, K) given as an
// Int32Array or Uint32Array (softmax). All values must be finite.
// With check_x false the caller takes over the finite check of x (to fuse it with a copy).
dnsgd::Batch batch_args(const Napi::CallbackInfo& info, size_t i, const dnsgd::Arch& arch,
                        bool check_x = true);

// The memory of any typed array (ArrayBuffer- or SharedArrayBuffer-backed): its first byte
// and its length in bytes. A detached array gives null and 0.
struct Bytes {
  uint8_t* data = nullptr;
  size_t length = 0;
};
Bytes typed_bytes(Napi::Env env, Napi::Value v);

// True when the two memory ranges overlap; outputs must not overlap inputs.
bool overlaps(const void* a, size_t abytes, const void* b, size_t bbytes);

}  // namespace dnsgd_addon
