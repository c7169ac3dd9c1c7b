// The training loop: whole epochs of shuffling, batch gathering, steps and epoch-end
// evaluation, with early stopping. Plain C++ so the addon can run it on a worker thread and
// the native tests can run it alone; it reports through a FitObserver.
#pragma once

#include <cstdint>
#include <vector>

#include "network.h"
#include "optim.h"

namespace dnsgd {

class ThreadPool;

struct FitData {
  int rows = 0;
  const double* x = nullptr;       // rows x n0
  const double* y = nullptr;       // rows x K (linear)
  const int32_t* labels = nullptr; // rows (softmax)
};

struct FitOptions {
  int epochs = 1;
  int batch = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  const FitData* validation = nullptr;
  // Early stopping (off when patience < 0): stop after `patience` epochs without the monitored
  // loss falling by more than min_delta; optionally restore the best epoch's weights.
  int patience = -1;
  double min_delta = 0.0;
  bool restore_best = false;
  bool monitor_validation = true;  // monitor the validation loss (else the training loss)
  // Also evaluate the validation data every eval_every steps (0: only at epoch ends).
  int eval_every = 0;
};

// Times are training time: the clock stops while validation data is evaluated, so curves
// against seconds compare optimizers, not evaluation schedules.
struct StepRecord {
  int epoch = 0;       // 1-based
  int step = 0;        // 1-based, counted over the whole fit
  double loss = 0.0;   // mini-batch loss before the step
  double seconds = 0.0;  // training time since the fit began
};

// A validation evaluation after `step` steps (eval_every, or the end of an epoch).
struct EvalRecord {
  int step = 0;
  double seconds = 0.0;  // training time at that point
  double loss = 0.0, metric = 0.0;
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  int steps = 0;
  double train_loss = 0.0;    // batch losses weighted by batch size (before each step)
  double train_metric = 0.0;  // RMSE (linear) or accuracy (softmax) of the same batches
  double val_loss = 0.0, val_metric = 0.0;  // when validation data is given
  double seconds = 0.0;       // training time of this epoch alone
  double elapsed = 0.0;       // training time since the fit began
  double eval_seconds = 0.0;  // time spent evaluating during this epoch
};

class FitObserver {
 public:
  virtual ~FitObserver() = default;
  virtual bool wants_steps() const { return false; }
  virtual void on_step(const StepRecord&) {}
  virtual void on_epoch(const EpochRecord&) {}
  // Polled between steps; true stops the fit with FitStatus::Aborted.
  virtual bool stop_requested() { return false; }
};

enum class FitStatus : uint8_t { Completed, EarlyStopped, Aborted, StepFailed };

struct FitResult {
  FitStatus status = FitStatus::Completed;
  StepStatus step_status = StepStatus::Ok;  // the failing step's status (StepFailed)
  StepStats failed_stats;                   // its statistics
  int epoch = 0, step = 0;                  // where the fit ended (1-based; the failing step)
  int steps_run = 0;                        // completed steps
  int best_epoch = 0;                       // early stopping: the best epoch (1-based)
  bool restored = false;                    // best weights were restored
  std::vector<EvalRecord> evals;            // validation evaluations, in order
};

// Mean loss and metric over all rows, evaluated in chunks of the workspace's capacity.
void evaluate(const Arch& arch, const double* theta, const FitData& data, Workspace& ws,
              ThreadPool* pool, double* loss, double* metric);

// Runs the fit. step_loss and step_seconds (may be null) receive one value per completed
// step; they must hold epochs * ceil(rows / batch) values.
FitResult fit(Stepper& stepper, double* theta, const FitData& train, const FitOptions& opt,
              FitObserver& observer, ThreadPool* pool, double* step_loss, double* step_seconds);

// Accuracy counting of a forward pass: rows whose largest probability is at their label.
int count_correct(const Arch& arch, const Batch& batch, const Workspace& ws);

}  // namespace dnsgd
