// Stepper.fit: the whole training loop in C++, synchronously on the caller's thread or on a
// libuv worker thread with progress queued back to the event loop.
#include <cmath>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#include "args.h"
#include "kernels/fit.h"
#include "objects.h"

namespace dnsgd_addon {

namespace {

// One progress record: kind 0 is a step (epoch, step, loss, seconds), kind 1 an epoch
// (epoch, steps, trainLoss, trainMetric, valLoss, valMetric, seconds, elapsed, evalSeconds).
struct Progress {
  int kind = 0;
  double v[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
};

Progress step_progress(const dnsgd::StepRecord& r) {
  Progress p;
  p.kind = 0;
  p.v[0] = r.epoch;
  p.v[1] = r.step;
  p.v[2] = r.loss;
  p.v[3] = r.seconds;
  return p;
}

Progress epoch_progress(const dnsgd::EpochRecord& r) {
  Progress p;
  p.kind = 1;
  double v[9] = {(double)r.epoch, (double)r.steps, r.train_loss, r.train_metric, r.val_loss,
                 r.val_metric, r.seconds, r.elapsed, r.eval_seconds};
  for (int i = 0; i < 9; ++i) p.v[i] = v[i];
  return p;
}

void call_report(Napi::Env env, const Napi::FunctionReference& report, const Progress& p) {
  if (report.IsEmpty()) return;
  napi_value args[10];
  args[0] = Napi::Number::New(env, p.kind);
  int n = p.kind == 0 ? 4 : 9;
  for (int i = 0; i < n; ++i) args[i + 1] = Napi::Number::New(env, p.v[i]);
  report.Call(env.Undefined(), n + 1, args);
}

const char* status_name(dnsgd::FitStatus s) {
  switch (s) {
    case dnsgd::FitStatus::Completed: return "completed";
    case dnsgd::FitStatus::EarlyStopped: return "early-stopped";
    case dnsgd::FitStatus::Aborted: return "aborted";
    default: return "failed";
  }
}

// Everything a fit needs, parsed and checked on the JS thread. fitSync works on the JS
// memory in place (pinned by references, re-checked after every callback); fit() works on
// copies it owns, so nothing JavaScript does meanwhile (transfer, detach, environment
// teardown) can pull memory from under the training thread.
struct FitArgs {
  dnsgd::FitData train, val;
  dnsgd::FitOptions opt;
  double* theta = nullptr;
  double* step_loss = nullptr;
  double* step_seconds = nullptr;
  size_t step_count = 0;  // values the step histories hold
  bool want_steps = false;
  std::vector<Napi::Reference<Napi::Value>> pins;
  // fit() only: the owned copies the pointers above point into.
  std::vector<double> own_x, own_y, own_vx, own_vy, own_theta, own_loss, own_seconds;
  std::vector<int32_t> own_labels, own_vlabels;

  void take_copies() {
    auto copy = [](const auto* src, size_t n, auto& dst) {
      dst.assign(src, src + n);
      return dst.data();
    };
    const size_t n0 = x_cols, K = y_cols;
    train.x = copy(train.x, (size_t)train.rows * n0, own_x);
    if (train.y) train.y = copy(train.y, (size_t)train.rows * K, own_y);
    if (train.labels) train.labels = copy(train.labels, (size_t)train.rows, own_labels);
    if (val.rows > 0) {
      val.x = copy(val.x, (size_t)val.rows * n0, own_vx);
      if (val.y) val.y = copy(val.y, (size_t)val.rows * K, own_vy);
      if (val.labels) val.labels = copy(val.labels, (size_t)val.rows, own_vlabels);
    }
    theta = copy(theta, param_count, own_theta);
    own_loss.assign(step_count, 0.0);
    own_seconds.assign(step_count, 0.0);
    step_loss = own_loss.data();
    step_seconds = own_seconds.data();
  }
  size_t x_cols = 0, y_cols = 0, param_count = 0;
};

// Copies src into a pinned Float64Array unless JavaScript detached or resized it meanwhile.
bool write_back(const Napi::Reference<Napi::Value>& ref, const double* src, size_t n) {
  Napi::Value v = ref.Value();
  if (!v.IsTypedArray()) return false;
  Bytes b = typed_bytes(v.Env(), v);
  if (n == 0) return true;
  if (b.data == nullptr || b.length < n * sizeof(double)) return false;
  std::memcpy(b.data, src, n * sizeof(double));
  return true;
}

// True when any pinned array lost its memory (transferred or detached).
bool any_detached(const std::vector<Napi::Reference<Napi::Value>>& pins) {
  for (const auto& r : pins) {
    Napi::Value v = r.Value();
    // A detached array reports no memory; none of a fit's arrays is empty otherwise.
    if (v.IsTypedArray() && typed_bytes(v.Env(), v).data == nullptr) return true;
  }
  return false;
}

Napi::Object result_object(Napi::Env env, const dnsgd::FitResult& r,
                           const std::vector<dnsgd::EpochRecord>& epochs,
                           const dnsgd::StepConfig& cfg, bool detached) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", detached ? "detached" : status_name(r.status));
  o.Set("epoch", r.epoch);
  o.Set("step", r.step);
  o.Set("stepsRun", r.steps_run);
  o.Set("bestEpoch", r.best_epoch);
  o.Set("restored", r.restored);
  Napi::Array list = Napi::Array::New(env, epochs.size());
  for (size_t i = 0; i < epochs.size(); ++i) {
    const dnsgd::EpochRecord& e = epochs[i];
    Napi::Object eo = Napi::Object::New(env);
    eo.Set("epoch", e.epoch);
    eo.Set("steps", e.steps);
    eo.Set("trainLoss", e.train_loss);
    eo.Set("trainMetric", e.train_metric);
    eo.Set("valLoss", e.val_loss);
    eo.Set("valMetric", e.val_metric);
    eo.Set("seconds", e.seconds);
    eo.Set("elapsed", e.elapsed);
    eo.Set("evalSeconds", e.eval_seconds);
    list.Set((uint32_t)i, eo);
  }
  o.Set("epochs", list);
  Napi::Array evals = Napi::Array::New(env, r.evals.size());
  for (size_t i = 0; i < r.evals.size(); ++i) {
    Napi::Object eo = Napi::Object::New(env);
    eo.Set("step", r.evals[i].step);
    eo.Set("seconds", r.evals[i].seconds);
    eo.Set("loss", r.evals[i].loss);
    eo.Set("metric", r.evals[i].metric);
    evals.Set((uint32_t)i, eo);
  }
  o.Set("evaluations", evals);
  if (r.status == dnsgd::FitStatus::StepFailed) {
    // The message and code of the same error a single step() would throw.
    try {
      throw_step_error(env, r.step_status, r.failed_stats, cfg);
    } catch (const Napi::Error& e) {
      o.Set("code", e.Value().Get("code"));
      o.Set("message", e.Message());
    }
  }
  return o;
}

// fitSync's observer: calls back on the caller's thread, and after every callback checks
// that the callback left every pinned array attached, stopping the fit at once if not.
class SyncObserver : public dnsgd::FitObserver {
 public:
  SyncObserver(Napi::Env env, Napi::FunctionReference& report, bool steps,
               std::atomic<bool>& abort, const std::vector<Napi::Reference<Napi::Value>>& pins)
      : env_(env), report_(report), steps_(steps), abort_(abort), pins_(pins) {}
  bool wants_steps() const override { return steps_; }
  void on_step(const dnsgd::StepRecord& r) override {
    call_report(env_, report_, step_progress(r));
    check();
  }
  void on_epoch(const dnsgd::EpochRecord& r) override {
    epochs.push_back(r);
    call_report(env_, report_, epoch_progress(r));
    check();
  }
  bool stop_requested() override { return detached || abort_.load(); }
  std::vector<dnsgd::EpochRecord> epochs;
  bool detached = false;

 private:
  void check() {
    if (!report_.IsEmpty() && any_detached(pins_)) detached = true;
  }
  Napi::Env env_;
  Napi::FunctionReference& report_;
  bool steps_;
  std::atomic<bool>& abort_;
  const std::vector<Napi::Reference<Napi::Value>>& pins_;
};

class FitWorker : public Napi::AsyncProgressQueueWorker<Progress> {
 public:
  FitWorker(Napi::Env env, std::shared_ptr<StepperCore> core, Napi::Object owner_obj,
            FitArgs&& args, Napi::Function report)
      : Napi::AsyncProgressQueueWorker<Progress>(env, "dnsgd.fit"),
        deferred_(Napi::Promise::Deferred::New(env)),
        core_(std::move(core)),
        args_(std::move(args)) {
    owner_ref_ = Napi::Persistent(owner_obj);
    if (!report.IsEmpty()) report_ = Napi::Persistent(report);
    published_.assign(args_.own_theta.begin(), args_.own_theta.end());
  }

  Napi::Promise promise() { return deferred_.Promise(); }
  // Points the options at the validation data now that args_ has its final address.
  void set_validation(bool on) { args_.opt.validation = on ? &args_.val : nullptr; }

  // Runs on a libuv worker thread: touches no JavaScript value, only memory it owns.
  void Execute(const ExecutionProgress& progress) override {
    struct Observer : dnsgd::FitObserver {
      FitWorker& w;
      const ExecutionProgress& progress;
      bool steps;
      Observer(FitWorker& fw, const ExecutionProgress& p, bool s) : w(fw), progress(p), steps(s) {}
      bool wants_steps() const override { return steps; }
      void on_step(const dnsgd::StepRecord& r) override {
        Progress p = step_progress(r);
        progress.Send(&p, 1);
      }
      void on_epoch(const dnsgd::EpochRecord& r) override {
        w.epochs_.push_back(r);
        {
          // The weights at this epoch's end, for the event loop to copy into params.
          std::lock_guard<std::mutex> lock(w.publish_mu_);
          std::memcpy(w.published_.data(), w.args_.theta, sizeof(double) * w.published_.size());
        }
        Progress p = epoch_progress(r);
        progress.Send(&p, 1);
      }
      bool stop_requested() override { return w.core_->abort.load(); }
    } observer(*this, progress, args_.want_steps && !report_.IsEmpty());
    result_ = dnsgd::fit(core_->stepper, args_.theta, args_.train, args_.opt, observer,
                         core_->pool, args_.step_loss, args_.step_seconds);
  }

  // Main thread, in order, before OnOK. An epoch record first brings params up to date, so
  // an onEpoch callback sees the weights of that epoch (or a later one).
  void OnProgress(const Progress* data, size_t count) override {
    Napi::HandleScope scope(Env());
    for (size_t i = 0; i < count; ++i) {
      if (data[i].kind == 1) {
        std::lock_guard<std::mutex> lock(publish_mu_);
        detached_ |= !write_back(args_.pins[0], published_.data(), published_.size());
      }
      call_report(Env(), report_, data[i]);
    }
  }

  void OnOK() override {
    core_->busy.store(false);
    detached_ |= !write_back(args_.pins[0], args_.theta, args_.param_count);
    size_t n = result_.steps_run;
    detached_ |= !write_back(args_.pins[args_.pins.size() - 2], args_.step_loss, n);
    detached_ |= !write_back(args_.pins[args_.pins.size() - 1], args_.step_seconds, n);
    deferred_.Resolve(result_object(Env(), result_, epochs_, core_->stepper.config(),
                                    detached_));
  }

  void OnError(const Napi::Error& e) override {
    core_->busy.store(false);
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<StepperCore> core_;  // outlives the JS Stepper if the environment ends
  Napi::ObjectReference owner_ref_;    // keeps the Stepper object alive while the fit runs
  Napi::FunctionReference report_;
  FitArgs args_;
  dnsgd::FitResult result_;
  std::vector<dnsgd::EpochRecord> epochs_;
  std::mutex publish_mu_;
  std::vector<double> published_;
  bool detached_ = false;
};

double seed_arg(Napi::Env env, Napi::Value v) {
  double seed = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(seed >= 0 && seed <= 9007199254740991.0) || seed != std::floor(seed))
    range_error(env, "seed must be an integer in [0, 2^53 - 1]");
  return seed;
}

}  // namespace

// fit(params, x, y, rows, valX | null, valY | null, valRows, options, stepLoss, stepSeconds,
//     report | undefined, wantSteps, async)
// options: { epochs, batch, shuffle, seed, patience, minDelta, restoreBest, monitorVal,
//            evalEvery }
Napi::Value Stepper::JsFit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const dnsgd::Arch& arch = core_->stepper.arch();
  if (core_->busy.load()) {
    Napi::Error e = Napi::Error::New(env, "a fit is already running with this optimizer");
    e.Set("code", Napi::String::New(env, "ERR_BUSY"));
    throw e;
  }
  FitArgs a;
  Napi::Float64Array p = float64_arg(info, 0, "params");
  expect_length(env, p, arch.param_count(), "params");
  a.theta = p.Data();
  dnsgd::Batch tb = batch_args(info, 1, arch);
  a.train.rows = tb.rows;
  a.train.x = tb.x;
  a.train.y = tb.y;
  a.train.labels = tb.labels;
  bool has_val = !info[4].IsNull() && !info[4].IsUndefined();
  if (has_val) {
    dnsgd::Batch vb = batch_args(info, 4, arch);
    a.val.rows = vb.rows;
    a.val.x = vb.x;
    a.val.y = vb.y;
    a.val.labels = vb.labels;
    a.opt.validation = nullptr;  // set below, once a lives where the worker keeps it
  }
  if (!info[7].IsObject()) type_error(env, "options must be an object");
  Napi::Object o = info[7].As<Napi::Object>();
  auto num = [&](const char* k) {
    Napi::Value v = o.Get(k);
    if (!v.IsNumber()) type_error(env, std::string("options.") + k + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  };
  double epochs = num("epochs"), batch = num("batch");
  if (!(epochs >= 1 && epochs <= 1e7) || epochs != std::floor(epochs))
    range_error(env, "epochs must be an integer in [1, 10000000]");
  if (!(batch >= 1 && batch <= 2147483647.0) || batch != std::floor(batch))
    range_error(env, "batch must be a positive integer");
  a.opt.epochs = (int)epochs;
  a.opt.batch = (int)batch;
  a.opt.shuffle = o.Get("shuffle").ToBoolean();
  a.opt.seed = (uint64_t)seed_arg(env, o.Get("seed"));
  a.opt.patience = (int)num("patience");
  a.opt.min_delta = num("minDelta");
  a.opt.restore_best = o.Get("restoreBest").ToBoolean();
  a.opt.monitor_validation = o.Get("monitorVal").ToBoolean();
  double every = num("evalEvery");
  if (!(every >= 0 && every <= 2147483647.0) || every != std::floor(every))
    range_error(env, "evalEvery must be a non-negative integer");
  a.opt.eval_every = (int)every;
  // Step histories hold one value per step of the whole fit.
  int eff_batch = a.opt.batch < a.train.rows ? a.opt.batch : a.train.rows;
  double per_epoch = std::ceil((double)a.train.rows / eff_batch);
  double total = per_epoch * a.opt.epochs;
  Napi::Float64Array sl = float64_arg(info, 8, "stepLoss");
  Napi::Float64Array ss = float64_arg(info, 9, "stepSeconds");
  if ((double)sl.ElementLength() < total || (double)ss.ElementLength() < total)
    range_error(env, "stepLoss and stepSeconds must hold " + std::to_string((long long)total) +
                         " values");
  a.step_loss = sl.Data();
  a.step_seconds = ss.Data();
  // The loop writes params and the step histories while it reads the data: none may share
  // memory with another.
  {
    size_t pb = p.ByteLength();
    auto bytes_of = [](Napi::Value v, const void** data, size_t* len) {
      if (!v.IsTypedArray()) return false;
      Bytes b = typed_bytes(v.Env(), v);
      *data = b.data;
      *len = b.length;
      return true;
    };
    const char* names[] = {"x", "y", "", "validation x", "validation y", "", "", "stepLoss",
                           "stepSeconds"};
    for (size_t i : {1, 2, 4, 5, 8, 9}) {
      const void* d;
      size_t len;
      if (!bytes_of(info[i], &d, &len)) continue;
      if (overlaps(p.Data(), pb, d, len))
        range_error(env, std::string("params must not share memory with ") + names[i - 1]);
      if (i < 8 && (overlaps(sl.Data(), sl.ByteLength(), d, len) ||
                    overlaps(ss.Data(), ss.ByteLength(), d, len)))
        range_error(env, std::string("the step histories must not share memory with ") +
                             names[i - 1]);
    }
  }
  // pins[0] is params and the last two are the step histories; the data sit in between.
  for (size_t i : {0, 1, 2, 4, 5, 8, 9})
    if (info[i].IsObject()) a.pins.push_back(Napi::Persistent(info[i]));
  a.step_count = (size_t)total;
  a.x_cols = arch.inputs();
  a.y_cols = arch.outputs();
  a.param_count = arch.param_count();
  Napi::Function report;
  if (info[10].IsFunction()) report = info[10].As<Napi::Function>();
  a.want_steps = info[11].ToBoolean();
  bool async = info[12].ToBoolean();

  core_->abort.store(false);
  core_->busy.store(true);
  if (!async) {
    struct Release {
      std::atomic<bool>& b;
      ~Release() { b.store(false); }
    } release{core_->busy};
    if (has_val) a.opt.validation = &a.val;
    Napi::FunctionReference rep;
    if (!report.IsEmpty()) rep = Napi::Persistent(report);
    SyncObserver obs(env, rep, a.want_steps, core_->abort, a.pins);
    dnsgd::FitResult r = dnsgd::fit(core_->stepper, a.theta, a.train, a.opt, obs, core_->pool,
                                    a.step_loss, a.step_seconds);
    return result_object(env, r, obs.epochs, core_->stepper.config(), obs.detached);
  }
  try {
    a.take_copies();
  } catch (const std::bad_alloc&) {
    core_->busy.store(false);
    range_error(env, "not enough memory to copy the training data for fit(); use fitSync()");
  }
  auto* worker = new FitWorker(env, core_, Value(), std::move(a), report);
  worker->set_validation(has_val);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace dnsgd_addon
