// The classes the addon exposes to JavaScript. Each JS-visible method is named Js*.
//   Model    an architecture plus scratch memory: init, predict, loss, gradient, Hessian
//   Stepper  one optimizer's state: step() on a mini-batch, synchronously
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "kernels/lastlayer.h"
#include "kernels/network.h"
#include "kernels/optim.h"
#include "kernels/threadpool.h"

namespace dnsgd_addon {

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Model(const Napi::CallbackInfo& info);
  const dnsgd::Arch& arch() const { return arch_; }
  static Model* FromValue(Napi::Env env, Napi::Value v);

 private:
  Napi::Value JsParamCount(const Napi::CallbackInfo& info);
  Napi::Value JsInit(const Napi::CallbackInfo& info);
  Napi::Value JsPredict(const Napi::CallbackInfo& info);
  Napi::Value JsLoss(const Napi::CallbackInfo& info);
  Napi::Value JsGradient(const Napi::CallbackInfo& info);
  Napi::Value JsHessian(const Napi::CallbackInfo& info);

  Napi::Float64Array params_arg(const Napi::CallbackInfo& info, size_t i);
  dnsgd::ThreadPool* pool();

  dnsgd::Arch arch_;
  dnsgd::Workspace ws_;
  dnsgd::NewtonSolver solver_;
  std::vector<double> grad_;
};

// What a running fit shares with its Stepper object. Held through shared_ptr so that it
// outlives the JS object if the environment tears down (a terminated worker thread) while the
// fit still runs on a libuv thread.
struct StepperCore {
  explicit StepperCore(const dnsgd::Arch& arch, const dnsgd::StepConfig& cfg, int threads)
      : stepper(arch, cfg), pool(dnsgd::shared_pool(threads)) {}
  dnsgd::Stepper stepper;
  dnsgd::ThreadPool* pool;
  std::atomic<bool> busy{false};   // a fit holds it: step() and a second fit are refused
  std::atomic<bool> abort{false};  // polled by the fit between steps
};

class Stepper : public Napi::ObjectWrap<Stepper> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Stepper(const Napi::CallbackInfo& info);
  static Stepper* FromValue(Napi::Env env, Napi::Value v);

  ~Stepper();
  const std::shared_ptr<StepperCore>& core() const { return core_; }

 private:
  Napi::Value JsStep(const Napi::CallbackInfo& info);
  Napi::Value JsThreads(const Napi::CallbackInfo& info);
  Napi::Value JsSetThreads(const Napi::CallbackInfo& info);
  Napi::Value JsFit(const Napi::CallbackInfo& info);
  Napi::Value JsAbort(const Napi::CallbackInfo& info);

  std::shared_ptr<StepperCore> core_;
  // Stops a running fit when the environment shuts down (a worker thread ending). Owned here
  // and freed by the destructor, which may run after the hook (finalizers run at teardown).
  struct CleanupHook {
    std::weak_ptr<StepperCore> core;
    bool ran = false;
  };
  static void OnCleanup(void* arg);
  CleanupHook* cleanup_ = nullptr;
};

// Instance data of the addon: constructors used to recognise native objects.
struct AddonData {
  Napi::FunctionReference model;
  Napi::FunctionReference stepper;
};

// Parses an optimizer configuration object (already validated by the TypeScript layer).
dnsgd::StepConfig step_config(Napi::Env env, Napi::Object cfg);

// Throws the JS error for a failed step: an Error whose `code` names the status.
[[noreturn]] void throw_step_error(Napi::Env env, dnsgd::StepStatus st,
                                   const dnsgd::StepStats& stats, const dnsgd::StepConfig& cfg);

}  // namespace dnsgd_addon
