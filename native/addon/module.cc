// Entry point of the addon: registers every exposed class and function.
#include <napi.h>

#include "kernels/gemm.h"
#include "kernels/threadpool.h"
#include "objects.h"

namespace {

Napi::Value JsIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dnsgd::isa_name(dnsgd::active_isa()));
}

Napi::Value JsDefaultThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), dnsgd::default_thread_count());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function model = dnsgd_addon::Model::Define(env);
  Napi::Function stepper = dnsgd_addon::Stepper::Define(env);
  // Kept so that methods can check an argument really is a native Model or Stepper.
  auto* data = new dnsgd_addon::AddonData();
  data->model = Napi::Persistent(model);
  data->stepper = Napi::Persistent(stepper);
  env.SetInstanceData(data);
  exports.Set("Model", model);
  exports.Set("Stepper", stepper);
  exports.Set("isa", Napi::Function::New(env, JsIsa, "isa"));
  exports.Set("defaultThreads", Napi::Function::New(env, JsDefaultThreads, "defaultThreads"));
  return exports;
}

}  // namespace

NODE_API_MODULE(dnsgd, Init)
