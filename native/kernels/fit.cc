#include "fit.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "rng.h"

namespace dnsgd {

int count_correct(const Arch& arch, const Batch& batch, const Workspace& ws) {
  const int K = arch.outputs();
  int correct = 0;
  for (int i = 0; i < batch.rows; ++i) {
    const double* p = ws.out.data() + (size_t)i * K;
    int best = 0;
    for (int k = 1; k < K; ++k) best = p[k] > p[best] ? k : best;
    correct += best == batch.labels[i];
  }
  return correct;
}

// RMSE per output element: sqrt(MSE / K), MSE being docs/method.md's sum over outputs.
static double metric_of(const Arch& arch, double loss_sum, double correct, double rows) {
  if (arch.output == Output::Softmax) return correct / rows;
  return std::sqrt(loss_sum / rows / arch.outputs());
}

void evaluate(const Arch& arch, const double* theta, const FitData& data, Workspace& ws,
              ThreadPool* pool, double* loss, double* metric) {
  Weights w;
  layer_pointers(arch, theta, w);
  const int chunk = ws.capacity;
  double loss_sum = 0.0, correct = 0.0;
  for (int r0 = 0; r0 < data.rows; r0 += chunk) {
    Batch b;
    b.rows = data.rows - r0 < chunk ? data.rows - r0 : chunk;
    b.x = data.x + (size_t)r0 * arch.inputs();
    if (data.y) b.y = data.y + (size_t)r0 * arch.outputs();
    if (data.labels) b.labels = data.labels + r0;
    forward(arch, w, b, ws, pool);
    loss_sum += batch_loss(arch, b, ws) * b.rows;
    if (arch.output == Output::Softmax) correct += count_correct(arch, b, ws);
  }
  *loss = loss_sum / data.rows;
  *metric = metric_of(arch, loss_sum, correct, data.rows);
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Gathers the rows idx[0..n) into contiguous batch buffers; x rows go straight into the
// augmented input buffer act0 (stride n0 + 1, its ones column already set).
void gather(const Arch& arch, const FitData& d, const int32_t* idx, int n, double* act0,
            double* y, int32_t* labels) {
  const int n0 = arch.inputs(), K = arch.outputs();
  for (int i = 0; i < n; ++i) {
    std::memcpy(act0 + (size_t)i * (n0 + 1) + 1, d.x + (size_t)idx[i] * n0,
                sizeof(double) * n0);
    if (d.y) std::memcpy(y + (size_t)i * K, d.y + (size_t)idx[i] * K, sizeof(double) * K);
    if (d.labels) labels[i] = d.labels[idx[i]];
  }
}

}  // namespace

FitResult fit(Stepper& stepper, double* theta, const FitData& train, const FitOptions& opt,
              FitObserver& observer, ThreadPool* pool, double* step_loss, double* step_seconds) {
  const Arch& arch = stepper.arch();
  const int n0 = arch.inputs(), K = arch.outputs();
  const int batch = opt.batch < train.rows ? opt.batch : train.rows;
  FitResult res;

  // Every buffer the loop needs, allocated here once.
  std::vector<int32_t> order(train.rows);
  for (int i = 0; i < train.rows; ++i) order[i] = i;
  std::vector<double> by, best;
  std::vector<int32_t> bl;
  stepper.workspace().reserve(arch, batch);
  double* act0 = stepper.workspace().act[0].data();
  if (opt.shuffle) {
    if (train.y) by.resize((size_t)batch * K);
    if (train.labels) bl.resize(batch);
  }
  if (opt.patience >= 0 && opt.restore_best) best.resize(arch.param_count());
  Workspace eval_ws;
  eval_ws.reserve(arch, batch > 256 ? batch : 256);
  Rng rng(opt.seed);

  const bool use_val = opt.validation && opt.validation->rows > 0;
  const bool monitor_val = use_val && opt.monitor_validation;
  double best_loss = INFINITY;
  int wait = 0;
  const Clock::time_point t0 = Clock::now();
  double paused = 0.0;  // evaluation time, kept off the training clock
  auto train_time = [&] { return since(t0) - paused; };
  auto eval_now = [&](EvalRecord& rec) {
    rec.step = res.steps_run;
    rec.seconds = train_time();
    Clock::time_point tv = Clock::now();
    evaluate(arch, theta, *opt.validation, eval_ws, pool, &rec.loss, &rec.metric);
    double spent = since(tv);
    paused += spent;
    return spent;
  };
  if (use_val && opt.eval_every > 0) {
    size_t per_epoch = (train.rows + batch - 1) / batch;
    res.evals.reserve(per_epoch * opt.epochs / opt.eval_every + opt.epochs + 2);
    EvalRecord rec;
    eval_now(rec);  // the starting point of every curve
    res.evals.push_back(rec);
  }

  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const double epoch_start = train_time();
    double epoch_eval = 0.0;
    if (opt.shuffle) shuffle(order.data(), train.rows, rng);
    double loss_sum = 0.0, correct = 0.0;
    int steps = 0;
    for (int r0 = 0; r0 < train.rows; r0 += batch) {
      if (observer.stop_requested()) {
        res.status = FitStatus::Aborted;
        res.epoch = epoch;
        return res;
      }
      Batch b;
      b.rows = train.rows - r0 < batch ? train.rows - r0 : batch;  // the last one may be short
      if (opt.shuffle) {
        gather(arch, train, order.data() + r0, b.rows, act0, by.data(), bl.data());
        b.preloaded = true;
        b.x = nullptr;
        b.y = train.y ? by.data() : nullptr;
        b.labels = train.labels ? bl.data() : nullptr;
      } else {
        b.x = train.x + (size_t)r0 * n0;
        if (train.y) b.y = train.y + (size_t)r0 * K;
        if (train.labels) b.labels = train.labels + r0;
      }
      StepStats st;
      StepStatus status = stepper.step(theta, b, &st, pool);
      if (status != StepStatus::Ok) {
        res.status = FitStatus::StepFailed;
        res.step_status = status;
        res.failed_stats = st;
        res.epoch = epoch;
        res.step = res.steps_run + 1;
        return res;
      }
      loss_sum += st.loss * b.rows;
      if (arch.output == Output::Softmax) correct += st.correct;
      ++steps;
      ++res.steps_run;
      if (use_val && opt.eval_every > 0 && res.steps_run % opt.eval_every == 0 &&
          r0 + b.rows < train.rows) {
        EvalRecord rec;
        epoch_eval += eval_now(rec);
        res.evals.push_back(rec);
      }
      double now = train_time();
      if (step_loss) step_loss[res.steps_run - 1] = st.loss;
      if (step_seconds) step_seconds[res.steps_run - 1] = now;
      if (observer.wants_steps()) {
        StepRecord sr;
        sr.epoch = epoch;
        sr.step = res.steps_run;
        sr.loss = st.loss;
        sr.seconds = now;
        observer.on_step(sr);
      }
    }
    // A callback may have asked to stop (and its caller may no longer own the memory), so
    // nothing is read or written past this point once it has.
    if (observer.stop_requested()) {
      res.status = FitStatus::Aborted;
      res.epoch = epoch;
      return res;
    }

    EpochRecord er;
    er.epoch = epoch;
    er.steps = steps;
    er.train_loss = loss_sum / train.rows;
    er.train_metric = metric_of(arch, loss_sum, correct, train.rows);
    er.elapsed = train_time();
    if (use_val) {
      EvalRecord rec;
      epoch_eval += eval_now(rec);
      rec.seconds = er.elapsed;
      er.val_loss = rec.loss;
      er.val_metric = rec.metric;
      if (opt.eval_every > 0) res.evals.push_back(rec);
    }
    er.seconds = er.elapsed - epoch_start;
    er.eval_seconds = epoch_eval;
    res.epoch = epoch;
    observer.on_epoch(er);
    if (observer.stop_requested()) {
      res.status = FitStatus::Aborted;
      return res;
    }

    if (opt.patience >= 0) {
      double monitored = monitor_val ? er.val_loss : er.train_loss;
      if (monitored < best_loss - opt.min_delta) {
        best_loss = monitored;
        res.best_epoch = epoch;
        wait = 0;
        if (opt.restore_best) std::memcpy(best.data(), theta, sizeof(double) * best.size());
      } else if (++wait > opt.patience) {
        res.status = FitStatus::EarlyStopped;
        break;
      }
    }
  }
  if (opt.patience >= 0 && opt.restore_best && res.best_epoch > 0 &&
      res.best_epoch != res.epoch) {
    std::memcpy(theta, best.data(), sizeof(double) * best.size());
    res.restored = true;
  }
  return res;
}

}  // namespace dnsgd
