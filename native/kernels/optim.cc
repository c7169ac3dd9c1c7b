#include "optim.h"

#include "fit.h"
#include "threadpool.h"

#include <cmath>
#include <cstring>

namespace dnsgd {

void UpdateRule::reset(const RuleConfig& cfg, size_t count) {
  cfg_ = cfg;
  count_ = count;
  t_ = 0;
  b1t_ = b2t_ = 1.0;
  m_.assign(cfg.rule == Rule::Sgd ? 0 : count, 0.0);
  v_.assign(cfg.rule == Rule::Adam ? count : 0, 0.0);
}

void UpdateRule::apply(double* theta, const double* g, ThreadPool* pool) {
  ++t_;
  if (cfg_.rule == Rule::Adam) {
    b1t_ *= cfg_.beta1;
    b2t_ *= cfg_.beta2;
  }
  // 32K values per thread: below that a wake-up costs more than the loop.
  parallel_ranges(pool, count_, 32768,
                  [&](size_t b, size_t e) { apply_range(theta, g, b, e); });
}

void UpdateRule::apply_range(double* theta, const double* g, size_t begin, size_t end) {
  const double lr = cfg_.lr, wd = cfg_.weight_decay;
  double* m = m_.data();
  double* v = v_.data();
  switch (cfg_.rule) {
    case Rule::Sgd:
      for (size_t i = begin; i < end; ++i) theta[i] -= lr * (g[i] + wd * theta[i]);
      break;
    case Rule::Momentum:
    case Rule::Nesterov: {
      // Heavy-ball as torch.optim.SGD writes it: v <- mu v + g; Nesterov steps by g + mu v.
      const double mu = cfg_.momentum;
      const bool nesterov = cfg_.rule == Rule::Nesterov, first = t_ == 1;
      for (size_t i = begin; i < end; ++i) {
        double gi = g[i] + wd * theta[i];
        double vi = first ? gi : mu * m[i] + gi;
        m[i] = vi;
        theta[i] -= lr * (nesterov ? gi + mu * vi : vi);
      }
      break;
    }
    case Rule::Adam: {
      const double b1 = cfg_.beta1, b2 = cfg_.beta2, eps = cfg_.eps;
      const double c1 = 1.0 / (1.0 - b1t_), c2 = 1.0 / (1.0 - b2t_);
      for (size_t i = begin; i < end; ++i) {
        double gi = g[i] + wd * theta[i];
        double mi = b1 * m[i] + (1.0 - b1) * gi;
        double vi = b2 * v[i] + (1.0 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        theta[i] -= lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
      }
      break;
    }
  }
}

Stepper::Stepper(const Arch& arch, const StepConfig& cfg) : arch_(arch), cfg_(cfg) {
  const int L = arch.layers();
  last_count_ = arch.layer_size(L - 1);
  front_count_ = arch.param_count() - last_count_;
  bool newton = cfg.method != Method::Sgd;
  rule_.reset(cfg.rule, newton ? front_count_ : arch.param_count());
  grad_.assign(arch.param_count(), 0.0);
  if (newton) {
    dir_.assign(last_count_, 0.0);
    trial_last_.assign(last_count_, 0.0);
  }
  if (cfg.method == Method::SgdDn) snap_theta_.assign(front_count_, 0.0);
}

// Forward pass at theta, the loss and accuracy every step reports (before any update), and
// the output error. Fails when the loss is not finite.
StepStatus Stepper::first_pass(const Batch& batch, StepStats* stats, ThreadPool* pool) {
  forward(arch_, w_, batch, ws_, pool);
  double loss = batch_loss(arch_, batch, ws_);
  if (stats) {
    stats->loss = loss;
    if (arch_.output == Output::Softmax) stats->correct = count_correct(arch_, batch, ws_);
  }
  if (!std::isfinite(loss)) return StepStatus::NonFiniteLoss;
  output_delta(arch_, batch, ws_);
  return StepStatus::Ok;
}

StepStatus Stepper::step(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool) {
  ws_.reserve(arch_, batch.rows);
  layer_pointers(arch_, theta, w_);
  if (cfg_.method == Method::Sgd) return sgd(theta, batch, stats, pool);
  if (arch_.layers() == 1) return newton_only(theta, batch, stats, pool);
  return cfg_.method == Method::DnSgd ? dn_sgd(theta, batch, stats, pool)
                                      : sgd_dn(theta, batch, stats, pool);
}

StepStatus Stepper::sgd(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool) {
  StepStatus st = first_pass(batch, stats, pool);
  if (st != StepStatus::Ok) return st;
  backward(arch_, w_, ws_, grad_.data(), 0, pool);
  if (!all_finite(grad_.data(), grad_.size())) return StepStatus::NonFiniteGradient;
  rule_.apply(theta, grad_.data(), pool);
  return StepStatus::Ok;
}

// Direction for the last-layer gradient in grad_, at the state of the last forward pass.
StepStatus Stepper::newton_direction(StepStats* stats, ThreadPool* pool) {
  const double* g_last = grad_.data() + front_count_;
  NewtonStats ns;
  NewtonStatus st = solver_.direction(arch_, ws_, g_last, dir_.data(), cfg_.newton, &ns, pool);
  if (stats) stats->newton = ns;
  if (st == NewtonStatus::FactorFailed) return StepStatus::FactorFailed;
  if (st == NewtonStatus::NonFinite) return StepStatus::NonFiniteNewton;
  if (st == NewtonStatus::NotConverged) return StepStatus::NewtonNotConverged;
  return StepStatus::Ok;
}

// The last layer's gradient alone (dW_L = dZ^T X~, no back-propagation below it) and its
// Newton direction into dir_, at the state of the last forward pass.
StepStatus Stepper::newton_at_last(StepStats* stats, ThreadPool* pool) {
  backward(arch_, w_, ws_, grad_.data(), arch_.layers() - 1, pool);
  return newton_direction(stats, pool);
}

StepStatus Stepper::newton_only(double* theta, const Batch& batch, StepStats* stats,
                                ThreadPool* pool) {
  StepStatus st = first_pass(batch, stats, pool);
  if (st != StepStatus::Ok) return st;
  st = newton_at_last(stats, pool);
  if (st != StepStatus::Ok) return st;
  double* wl = theta + front_count_;
  for (size_t i = 0; i < last_count_; ++i) wl[i] -= cfg_.eta * dir_[i];
  return StepStatus::Ok;
}

StepStatus Stepper::dn_sgd(double* theta, const Batch& batch, StepStats* stats,
                           ThreadPool* pool) {
  const int L = arch_.layers();
  // 1. Forward; loss; last-layer gradient and Newton direction at theta.
  StepStatus st = first_pass(batch, stats, pool);
  if (st != StepStatus::Ok) return st;
  st = newton_at_last(stats, pool);
  if (st != StepStatus::Ok) return st;

  // 2. The updated last layer, held aside until the whole step is known to be finite.
  const double* wl = theta + front_count_;
  for (size_t i = 0; i < last_count_; ++i) trial_last_[i] = wl[i] - cfg_.eta * dir_[i];
  w_[L - 1] = trial_last_.data();

  // 3. Re-forward the last layer only (front activations reused), then back-propagate the
  //    new error through the updated last layer to the front layers.
  forward(arch_, w_, batch, ws_, pool, L - 1);
  output_delta(arch_, batch, ws_);
  backward(arch_, w_, ws_, grad_.data(), 0, pool, /*skip_last=*/true);
  w_[L - 1] = wl;
  if (!all_finite(grad_.data(), front_count_)) return StepStatus::NonFiniteGradient;

  // 4. Commit: the last layer, then the first-order step on the front layers.
  std::memcpy(theta + front_count_, trial_last_.data(), sizeof(double) * last_count_);
  rule_.apply(theta, grad_.data(), pool);
  return StepStatus::Ok;
}

StepStatus Stepper::sgd_dn(double* theta, const Batch& batch, StepStats* stats,
                           ThreadPool* pool) {
  // 1. Forward and backward at theta; the front gradient only (the last layer's own
  //    gradient is taken later, at the updated front).
  StepStatus st = first_pass(batch, stats, pool);
  if (st != StepStatus::Ok) return st;
  backward(arch_, w_, ws_, grad_.data(), 0, pool, /*skip_last=*/true);
  if (!all_finite(grad_.data(), front_count_)) return StepStatus::NonFiniteGradient;

  // 2. Snapshot, then step the front layers in place.
  std::memcpy(snap_theta_.data(), theta, sizeof(double) * front_count_);
  snap_m_ = rule_.first();
  snap_v_ = rule_.second();
  int64_t snap_t = rule_.steps();
  double snap_b1 = rule_.beta1_power(), snap_b2 = rule_.beta2_power();
  rule_.apply(theta, grad_.data(), pool);

  // 3. Forward again through the updated front layers (the input rows are still in place in
  //    act[0]); Newton on the last layer there.
  Batch again = batch;
  again.preloaded = true;
  forward(arch_, w_, again, ws_, pool);
  output_delta(arch_, batch, ws_);
  st = newton_at_last(stats, pool);
  if (st != StepStatus::Ok) {
    std::memcpy(theta, snap_theta_.data(), sizeof(double) * front_count_);
    rule_.first().swap(snap_m_);
    rule_.second().swap(snap_v_);
    rule_.steps() = snap_t;
    rule_.beta1_power() = snap_b1;
    rule_.beta2_power() = snap_b2;
    return st;
  }
  double* wl = theta + front_count_;
  for (size_t i = 0; i < last_count_; ++i) wl[i] -= cfg_.eta * dir_[i];
  return StepStatus::Ok;
}

}  // namespace dnsgd
