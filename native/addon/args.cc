#include "args.h"

#include <cmath>

#include "kernels/optim.h"

namespace dnsgd_addon {

void type_error(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
void range_error(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

Napi::Float64Array float64_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    type_error(info.Env(), std::string(name) + " must be a Float64Array");
  return v.As<Napi::Float64Array>();
}

int32_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t lo,
                int32_t hi) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) type_error(info.Env(), std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    range_error(info.Env(), std::string(name) + " must be an integer in [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
  return static_cast<int32_t>(d);
}

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) type_error(info.Env(), std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

void expect_length(Napi::Env env, const Napi::Float64Array& a, size_t count, const char* name) {
  if (a.ElementLength() != count)
    range_error(env, std::string(name) + " must have " + std::to_string(count) +
                         " elements, got " + std::to_string(a.ElementLength()));
}

// Index of the first NaN or infinity in v[0..n), or n when all are finite. The vectorized
// all-finite test runs first; the scalar search only when something is wrong.
static size_t first_non_finite(const double* v, size_t n) {
  if (dnsgd::all_finite(v, n)) return n;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return i;
  return n;
}

void expect_finite(Napi::Env env, const double* v, size_t n, size_t cols, const char* name) {
  size_t bad = first_non_finite(v, n);
  if (bad == n) return;
  std::string what = std::isnan(v[bad]) ? "NaN" : (v[bad] > 0 ? "Infinity" : "-Infinity");
  range_error(env, std::string(name) + " must hold finite numbers; got " + what + " at " + name +
                       "[" + std::to_string(bad) + "] (row " + std::to_string(bad / cols) +
                       ", column " + std::to_string(bad % cols) + ")");
}

dnsgd::Batch batch_args(const Napi::CallbackInfo& info, size_t i, const dnsgd::Arch& arch,
                        bool check_x) {
  Napi::Env env = info.Env();
  dnsgd::Batch b;
  Napi::Float64Array x = float64_arg(info, i, "x");
  int32_t rows = int_arg(info, i + 2, "rows", 1, INT32_MAX);
  expect_length(env, x, (size_t)rows * arch.inputs(), "x");
  b.rows = rows;
  b.x = x.Data();
  if (check_x) expect_finite(env, b.x, (size_t)rows * arch.inputs(), arch.inputs(), "x");
  Napi::Value t = info[i + 1];
  if (arch.output == dnsgd::Output::Linear) {
    Napi::Float64Array y = float64_arg(info, i + 1, "y");
    expect_length(env, y, (size_t)rows * arch.outputs(), "y");
    b.y = y.Data();
    expect_finite(env, b.y, (size_t)rows * arch.outputs(), arch.outputs(), "y");
    return b;
  }
  if (!t.IsTypedArray()) type_error(env, "y must be an Int32Array or Uint32Array of labels");
  Napi::TypedArray ta = t.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_int32_array && ta.TypedArrayType() != napi_uint32_array)
    type_error(env, "y must be an Int32Array or Uint32Array of labels");
  if (ta.ElementLength() != (size_t)rows)
    range_error(env, "y must have " + std::to_string(rows) + " labels, got " +
                         std::to_string(ta.ElementLength()));
  // Both kinds share the bytes of an int32 for labels in [0, K); anything else is refused.
  const uint32_t* raw = reinterpret_cast<const uint32_t*>(typed_bytes(env, t).data);
  for (int32_t r = 0; r < rows; ++r)
    if (raw[r] >= (uint32_t)arch.outputs())
      range_error(env, "y[" + std::to_string(r) + "] must be a class label in [0, " +
                           std::to_string(arch.outputs() - 1) + "]; got " +
                           (ta.TypedArrayType() == napi_int32_array
                                ? std::to_string((int32_t)raw[r])
                                : std::to_string(raw[r])));
  b.labels = reinterpret_cast<const int32_t*>(raw);
  return b;
}

Bytes typed_bytes(Napi::Env env, Napi::Value v) {
  Bytes b;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok)
    type_error(env, "expected a typed array");
  if (data == nullptr) return b;
  b.data = static_cast<uint8_t*>(data);
  b.length = Napi::TypedArray(env, v).ByteLength();
  return b;
}

bool overlaps(const void* a, size_t abytes, const void* b, size_t bbytes) {
  auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return pa < pb + bbytes && pb < pa + abytes;
}

}  // namespace dnsgd_addon
