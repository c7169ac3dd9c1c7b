// Entry point of the addon: registers every exposed class and function.
#include <napi.h>

#include "kernels/gemm.h"

namespace {

Napi::Value JsIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dnsgd::isa_name(dnsgd::active_isa()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("isa", Napi::Function::New(env, JsIsa, "isa"));
  return exports;
}

}  // namespace

NODE_API_MODULE(dnsgd, Init)
