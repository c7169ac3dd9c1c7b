#include <cstring>

#include "args.h"
#include "objects.h"

namespace dnsgd_addon {

using dnsgd::Arch;

Napi::Function Model::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod("paramCount", &Model::JsParamCount),
                      InstanceMethod("init", &Model::JsInit),
                      InstanceMethod("predict", &Model::JsPredict),
                      InstanceMethod("loss", &Model::JsLoss),
                      InstanceMethod("gradient", &Model::JsGradient),
                      InstanceMethod("hessian", &Model::JsHessian)});
}

// new Model(sizes: number[], hidden: 0..3, output: 0..1)
Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) type_error(env, "sizes must be an array of layer sizes");
  Napi::Array sizes = info[0].As<Napi::Array>();
  if (sizes.Length() < 2 || sizes.Length() > 64)
    range_error(env, "sizes must list between 2 and 64 layer sizes");
  for (uint32_t i = 0; i < sizes.Length(); ++i) {
    Napi::Value v = sizes.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d <= (1 << 24)) || d != (double)(int)d)
      range_error(env, "sizes[" + std::to_string(i) + "] must be an integer in [1, 16777216]");
    arch_.sizes.push_back((int)d);
  }
  arch_.hidden = static_cast<dnsgd::Activation>(int_arg(info, 1, "hidden", 0, 3));
  arch_.output = static_cast<dnsgd::Output>(int_arg(info, 2, "output", 0, 1));
  if (const char* why = arch_.invalid()) range_error(env, why);
  // A parameter vector must stay addressable by a JS typed array (2^32 - 1 elements here).
  double count = 0;
  for (int l = 0; l < arch_.layers(); ++l)
    count += (double)arch_.sizes[l + 1] * (arch_.sizes[l] + 1);
  if (count > 4294967295.0) range_error(env, "the network has more than 2^32 - 1 parameters");
}

Model* Model::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) type_error(env, "model must be a native Model");
  Napi::Object o = v.As<Napi::Object>();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (!o.InstanceOf(data->model.Value())) type_error(env, "model must be a native Model");
  return Napi::ObjectWrap<Model>::Unwrap(o);
}

dnsgd::ThreadPool* Model::pool() { return dnsgd::shared_pool(dnsgd::default_thread_count()); }

Napi::Float64Array Model::params_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Float64Array p = float64_arg(info, i, "params");
  expect_length(info.Env(), p, arch_.param_count(), "params");
  return p;
}

Napi::Value Model::JsParamCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)arch_.param_count());
}

// init(params, seed, scheme): seed is an integer in [0, 2^53); scheme 0 Glorot, 1 fan-in.
Napi::Value Model::JsInit(const Napi::CallbackInfo& info) {
  Napi::Float64Array p = params_arg(info, 0);
  double seed = number_arg(info, 1, "seed");
  if (!(seed >= 0 && seed <= 9007199254740991.0) || seed != (double)(uint64_t)seed)
    range_error(info.Env(), "seed must be an integer in [0, 2^53 - 1]");
  int scheme = info[2].IsUndefined() ? 0 : int_arg(info, 2, "scheme", 0, 1);
  dnsgd::init_params(arch_, (uint64_t)seed, p.Data(), static_cast<dnsgd::Init>(scheme));
  return info.Env().Undefined();
}

// predict(params, x, rows, out): out gets rows x K outputs (probabilities for softmax).
Napi::Value Model::JsPredict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float64Array p = params_arg(info, 0);
  Napi::Float64Array x = float64_arg(info, 1, "x");
  int32_t rows = int_arg(info, 2, "rows", 1, INT32_MAX);
  expect_length(env, x, (size_t)rows * arch_.inputs(), "x");
  expect_finite(env, x.Data(), (size_t)rows * arch_.inputs(), arch_.inputs(), "x");
  Napi::Float64Array out = float64_arg(info, 3, "out");
  expect_length(env, out, (size_t)rows * arch_.outputs(), "out");
  if (overlaps(out.Data(), out.ByteLength(), p.Data(), p.ByteLength()) ||
      overlaps(out.Data(), out.ByteLength(), x.Data(), x.ByteLength()))
    range_error(env, "out must not share memory with params or x");
  dnsgd::Batch b;
  b.rows = rows;
  b.x = x.Data();
  // Large inputs run in chunks so scratch memory stays bounded whatever the row count.
  const int chunk = 4096;
  dnsgd::Weights w;
  dnsgd::layer_pointers(arch_, p.Data(), w);
  ws_.reserve(arch_, rows < chunk ? rows : chunk);
  for (int r0 = 0; r0 < rows; r0 += chunk) {
    dnsgd::Batch c;
    c.rows = rows - r0 < chunk ? rows - r0 : chunk;
    c.x = b.x + (size_t)r0 * arch_.inputs();
    dnsgd::forward(arch_, w, c, ws_, pool());
    std::memcpy(out.Data() + (size_t)r0 * arch_.outputs(), ws_.out.data(),
                sizeof(double) * (size_t)c.rows * arch_.outputs());
  }
  return env.Undefined();
}

// loss(params, x, y, rows): mean loss over all rows, in chunks.
Napi::Value Model::JsLoss(const Napi::CallbackInfo& info) {
  Napi::Float64Array p = params_arg(info, 0);
  dnsgd::Batch b = batch_args(info, 1, arch_);
  const int chunk = 4096;
  dnsgd::Weights w;
  dnsgd::layer_pointers(arch_, p.Data(), w);
  ws_.reserve(arch_, b.rows < chunk ? b.rows : chunk);
  double total = 0.0;
  for (int r0 = 0; r0 < b.rows; r0 += chunk) {
    dnsgd::Batch c;
    c.rows = b.rows - r0 < chunk ? b.rows - r0 : chunk;
    c.x = b.x + (size_t)r0 * arch_.inputs();
    if (b.y) c.y = b.y + (size_t)r0 * arch_.outputs();
    if (b.labels) c.labels = b.labels + r0;
    dnsgd::forward(arch_, w, c, ws_, pool());
    total += dnsgd::batch_loss(arch_, c, ws_) * c.rows;
  }
  return Napi::Number::New(info.Env(), total / b.rows);
}

// gradient(params, x, y, rows, grad): writes the full gradient, returns the loss.
Napi::Value Model::JsGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float64Array p = params_arg(info, 0);
  dnsgd::Batch b = batch_args(info, 1, arch_);
  Napi::Float64Array g = float64_arg(info, 4, "grad");
  expect_length(env, g, arch_.param_count(), "grad");
  if (overlaps(g.Data(), g.ByteLength(), p.Data(), p.ByteLength()))
    range_error(env, "grad must not share memory with params");
  ws_.reserve(arch_, b.rows);  // before taking ws_.grad.data(): reserve may reallocate it
  double loss = dnsgd::loss_and_gradient(arch_, p.Data(), b, ws_, ws_.grad.data(), pool());
  std::memcpy(g.Data(), ws_.grad.data(), sizeof(double) * arch_.param_count());
  return Napi::Number::New(env, loss);
}

// hessian(params, x, y, rows, out): the last layer's undamped Hessian, n x n, n = K (d + 1).
Napi::Value Model::JsHessian(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float64Array p = params_arg(info, 0);
  dnsgd::Batch b = batch_args(info, 1, arch_);
  size_t n = arch_.layer_size(arch_.layers() - 1);
  Napi::Float64Array h = float64_arg(info, 4, "out");
  expect_length(env, h, n * n, "out");
  if (overlaps(h.Data(), h.ByteLength(), p.Data(), p.ByteLength()))
    range_error(env, "out must not share memory with params");
  ws_.reserve(arch_, b.rows);
  dnsgd::Weights w;
  dnsgd::layer_pointers(arch_, p.Data(), w);
  dnsgd::forward(arch_, w, b, ws_, pool());
  solver_.full_hessian(arch_, ws_, h.Data(), pool());
  return env.Undefined();
}

}  // namespace dnsgd_addon
