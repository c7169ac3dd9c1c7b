#include <cmath>
#include <cstring>
#include <sstream>

#include "args.h"
#include "objects.h"

namespace dnsgd_addon {

static double get_number(Napi::Env env, Napi::Object o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
    type_error(env, std::string("optimizer option ") + key + " must be a finite number");
  return v.As<Napi::Number>().DoubleValue();
}

dnsgd::StepConfig step_config(Napi::Env env, Napi::Object o) {
  dnsgd::StepConfig c;
  int method = (int)get_number(env, o, "method", 0);
  int rule = (int)get_number(env, o, "rule", 0);
  if (method < 0 || method > 2) range_error(env, "optimizer method must be 0, 1 or 2");
  if (rule < 0 || rule > 3) range_error(env, "optimizer rule must be 0..3");
  c.method = static_cast<dnsgd::Method>(method);
  c.rule.rule = static_cast<dnsgd::Rule>(rule);
  c.rule.lr = get_number(env, o, "lr", c.rule.lr);
  c.rule.momentum = get_number(env, o, "momentum", c.rule.momentum);
  c.rule.beta1 = get_number(env, o, "beta1", c.rule.beta1);
  c.rule.beta2 = get_number(env, o, "beta2", c.rule.beta2);
  c.rule.eps = get_number(env, o, "eps", c.rule.eps);
  c.rule.weight_decay = get_number(env, o, "weightDecay", c.rule.weight_decay);
  c.newton.alpha = get_number(env, o, "alpha", c.newton.alpha);
  c.newton.allow_floor = get_number(env, o, "allowFloor", 0) != 0;
  c.eta = get_number(env, o, "eta", c.eta);
  int solver = (int)get_number(env, o, "solver", 0);
  if (solver < 0 || solver > 2) range_error(env, "optimizer solver must be 0, 1 or 2");
  c.newton.solver = static_cast<dnsgd::Solver>(solver);
  c.newton.cg_tol = get_number(env, o, "cgTol", c.newton.cg_tol);
  c.newton.cg_max_iter = (int)get_number(env, o, "cgMaxIter", 0);
  if (c.newton.alpha < 0) range_error(env, "alpha must be >= 0");
  return c;
}

static const char* status_code(dnsgd::StepStatus st) {
  switch (st) {
    case dnsgd::StepStatus::NonFiniteLoss: return "ERR_NONFINITE_LOSS";
    case dnsgd::StepStatus::NonFiniteGradient: return "ERR_NONFINITE_GRADIENT";
    case dnsgd::StepStatus::FactorFailed: return "ERR_FACTOR_FAILED";
    case dnsgd::StepStatus::NonFiniteNewton: return "ERR_NONFINITE_NEWTON";
    case dnsgd::StepStatus::NewtonNotConverged: return "ERR_NEWTON_NOT_CONVERGED";
    default: return "ERR_STEP";
  }
}

void throw_step_error(Napi::Env env, dnsgd::StepStatus st, const dnsgd::StepStats& stats,
                      const dnsgd::StepConfig& cfg) {
  std::ostringstream msg;
  msg.precision(6);
  switch (st) {
    case dnsgd::StepStatus::NonFiniteLoss:
      msg << "the mini-batch loss is not finite (" << stats.loss << ")";
      break;
    case dnsgd::StepStatus::NonFiniteGradient:
      msg << "the gradient is not finite";
      break;
    case dnsgd::StepStatus::FactorFailed:
      msg << "the damped last-layer Hessian H + (alpha + H_max) I is not positive definite "
             "numerically (alpha = " << cfg.newton.alpha << ", H_max = " << stats.newton.h_max
          << ", pivot " << stats.newton.failed_pivot << " failed); raise alpha above 0, or "
          << "allow a damping floor";
      break;
    case dnsgd::StepStatus::NonFiniteNewton:
      msg << "the damped Newton direction is not finite (alpha = " << cfg.newton.alpha
          << ", H_max = " << stats.newton.h_max << ")";
      break;
    case dnsgd::StepStatus::NewtonNotConverged:
      msg << "conjugate gradients did not solve the damped Newton system (residual "
          << stats.newton.cg_residual << " after " << stats.newton.cg_iters
          << " iterations, alpha = " << cfg.newton.alpha << "); raise alpha or use the dense "
          << "solver";
      break;
    default:
      msg << "the step failed";
  }
  Napi::Error e = Napi::Error::New(env, msg.str());
  e.Set("code", Napi::String::New(env, status_code(st)));
  throw e;
}

Napi::Function Stepper::Define(Napi::Env env) {
  return DefineClass(env, "Stepper",
                     {InstanceMethod("step", &Stepper::JsStep),
                      InstanceMethod("threads", &Stepper::JsThreads),
                      InstanceMethod("setThreads", &Stepper::JsSetThreads),
                      InstanceMethod("fit", &Stepper::JsFit),
                      InstanceMethod("abort", &Stepper::JsAbort)});
}

Stepper* Stepper::FromValue(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) type_error(env, "stepper must be a native Stepper");
  Napi::Object o = v.As<Napi::Object>();
  if (!o.InstanceOf(env.GetInstanceData<AddonData>()->stepper.Value()))
    type_error(env, "stepper must be a native Stepper");
  return Napi::ObjectWrap<Stepper>::Unwrap(o);
}

static void refuse_if_busy(Napi::Env env, Stepper* s) {
  if (s->core()->busy.load()) {
    Napi::Error e = Napi::Error::New(env, "the optimizer is training this network in a fit");
    e.Set("code", Napi::String::New(env, "ERR_BUSY"));
    throw e;
  }
}

Napi::Value Stepper::JsSetThreads(const Napi::CallbackInfo& info) {
  refuse_if_busy(info.Env(), this);
  core_->pool = dnsgd::shared_pool(int_arg(info, 0, "threads", 1, 256));
  return info.Env().Undefined();
}

Napi::Value Stepper::JsAbort(const Napi::CallbackInfo& info) {
  core_->abort.store(true);
  return info.Env().Undefined();
}

// new Stepper(model, config, threads)
Stepper::Stepper(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Stepper>(info) {
  Napi::Env env = info.Env();
  Model* model = Model::FromValue(env, info[0]);
  if (!info[1].IsObject()) type_error(env, "config must be an object");
  dnsgd::StepConfig cfg = step_config(env, info[1].As<Napi::Object>());
  int threads = info[2].IsUndefined() ? dnsgd::default_thread_count()
                                      : int_arg(info, 2, "threads", 1, 256);
  core_ = std::make_shared<StepperCore>(model->arch(), cfg, threads);
  cleanup_ = new CleanupHook{core_};
  if (napi_add_env_cleanup_hook(env, &Stepper::OnCleanup, cleanup_) != napi_ok) {
    delete cleanup_;
    cleanup_ = nullptr;
  }
}

void Stepper::OnCleanup(void* arg) {
  auto* hook = static_cast<CleanupHook*>(arg);
  hook->ran = true;
  if (auto core = hook->core.lock()) core->abort.store(true);
}

Stepper::~Stepper() {
  if (!cleanup_) return;
  if (!cleanup_->ran) napi_remove_env_cleanup_hook(Env(), &Stepper::OnCleanup, cleanup_);
  delete cleanup_;
}

Napi::Value Stepper::JsThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), core_->pool->size());
}

// step(params, x, y, rows, stats): stats (Float64Array of 5) gets loss, H_max, shift, floor
// and the CG iteration count.
// Returns the loss before the step. Throws with theta unchanged when the step fails.
Napi::Value Stepper::JsStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  refuse_if_busy(env, this);
  const dnsgd::Arch& arch = core_->stepper.arch();
  Napi::Float64Array p = float64_arg(info, 0, "params");
  expect_length(env, p, arch.param_count(), "params");
  dnsgd::Batch b = batch_args(info, 1, arch, /*check_x=*/false);
  Napi::Float64Array stats = float64_arg(info, 4, "stats");
  expect_length(env, stats, 5, "stats");
  size_t pbytes = p.ByteLength();
  Napi::Float64Array x = info[1].As<Napi::Float64Array>();
  if (overlaps(p.Data(), pbytes, x.Data(), x.ByteLength()) ||
      overlaps(p.Data(), pbytes, stats.Data(), stats.ByteLength()))
    range_error(env, "params must not share memory with x or stats");
  if (info[2].IsTypedArray()) {
    Bytes yb = typed_bytes(env, info[2]);
    if (overlaps(p.Data(), pbytes, yb.data, yb.length))
      range_error(env, "params must not share memory with y");
  }
  // One pass over x: copy each row into the augmented input buffer and test it there, while
  // it is in cache. Nothing has been changed yet when a bad value is found.
  {
    dnsgd::Workspace& ws = core_->stepper.workspace();
    ws.reserve(arch, b.rows);
    const int n0 = arch.inputs();
    double* act0 = ws.act[0].data();
    for (int r = 0; r < b.rows; ++r) {
      double* dst = act0 + (size_t)r * (n0 + 1) + 1;
      std::memcpy(dst, b.x + (size_t)r * n0, sizeof(double) * n0);
      if (!dnsgd::all_finite(dst, n0)) expect_finite(env, b.x, (size_t)b.rows * n0, n0, "x");
    }
    b.preloaded = true;
  }
  dnsgd::StepStats st;
  dnsgd::StepStatus status = core_->stepper.step(p.Data(), b, &st, core_->pool);
  double* s = stats.Data();
  s[0] = st.loss;
  s[1] = st.newton.h_max;
  s[2] = st.newton.shift;
  s[3] = st.newton.floor;
  s[4] = st.newton.cg_iters;
  if (status != dnsgd::StepStatus::Ok) throw_step_error(env, status, st, core_->stepper.config());
  return Napi::Number::New(env, st.loss);
}

}  // namespace dnsgd_addon
