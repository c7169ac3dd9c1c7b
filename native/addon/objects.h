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
  std::unique_ptr<dnsgd::ThreadPool> pool_;
};

class Stepper : public Napi::ObjectWrap<Stepper> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Stepper(const Napi::CallbackInfo& info);
  static Stepper* FromValue(Napi::Env env, Napi::Value v);

  dnsgd::Stepper& core() { return *stepper_; }
  dnsgd::ThreadPool* pool() { return pool_.get(); }
  // Held by a running fit: step() and a second fit are refused until it ends.
  std::atomic<bool>& busy() { return busy_; }
  std::atomic<bool>& abort_flag() { return abort_; }

 private:
  Napi::Value JsStep(const Napi::CallbackInfo& info);
  Napi::Value JsThreads(const Napi::CallbackInfo& info);
  Napi::Value JsSetThreads(const Napi::CallbackInfo& info);
  Napi::Value JsFit(const Napi::CallbackInfo& info);
  Napi::Value JsAbort(const Napi::CallbackInfo& info);

  std::unique_ptr<dnsgd::Stepper> stepper_;
  std::unique_ptr<dnsgd::ThreadPool> pool_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> abort_{false};
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
