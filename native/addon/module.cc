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
  // Kept so Stepper and the trainer can check that an argument really is a native Model.
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(model)));
  exports.Set("Model", model);
  exports.Set("Stepper", dnsgd_addon::Stepper::Define(env));
  exports.Set("isa", Napi::Function::New(env, JsIsa, "isa"));
  exports.Set("defaultThreads", Napi::Function::New(env, JsDefaultThreads, "defaultThreads"));
  return exports;
}

}  // namespace

NODE_API_MODULE(dnsgd, Init)
