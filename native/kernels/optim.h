// The optimizers, one mini-batch step at a time, in place on theta (docs/method.md):
//   Sgd    one first-order step on every layer
//   DnSgd  Newton first: damped Newton on the last layer, then back-propagate through the
//          updated last layer (front activations reused) and step the front layers
//   SgdDn  SGD first: step the front layers, forward again through them, then damped Newton
//          on the last layer at the new activations
// "SGD" on the front layers is any first-order Rule (plain, momentum, Nesterov, Adam).
//
// A step either completes or leaves theta exactly as it was: the Newton direction and every
// gradient are checked before they are applied, and SgdDn snapshots the front layers (and
// their rule state) before stepping them.
#pragma once

#include <cstdint>
#include <vector>

#include "lastlayer.h"
#include "network.h"
#include "vmath.h"

namespace dnsgd {

class ThreadPool;

enum class Method : uint8_t { Sgd, DnSgd, SgdDn };
enum class Rule : uint8_t { Sgd, Momentum, Nesterov, Adam };

struct RuleConfig {
  Rule rule = Rule::Sgd;
  double lr = 0.01;
  double momentum = 0.9;  // Momentum, Nesterov
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam
  double weight_decay = 0.0;  // L2 term added to the gradient of the weights it updates
};

// A first-order update rule over a fixed range of theta, with its own state.
class UpdateRule {
 public:
  void reset(const RuleConfig& cfg, size_t count);
  // theta[0..count) -= step(g); state advances by one step. Large updates are split over
  // the pool (elementwise, so the result does not depend on the split).
  void apply(double* theta, const double* g, ThreadPool* pool = nullptr);
  // State, for snapshots taken by SgdDn.
  std::vector<double>& first() { return m_; }
  std::vector<double>& second() { return v_; }
  int64_t& steps() { return t_; }
  double& beta1_power() { return b1t_; }
  double& beta2_power() { return b2t_; }

 private:
  void apply_range(double* theta, const double* g, size_t begin, size_t end);

  RuleConfig cfg_;
  size_t count_ = 0;
  std::vector<double> m_, v_;
  int64_t t_ = 0;
  double b1t_ = 1.0, b2t_ = 1.0;  // beta^t kept as running products, so no pow() is needed
};

enum class StepStatus : uint8_t { Ok, NonFiniteLoss, NonFiniteGradient, FactorFailed,
                                  NonFiniteNewton, NewtonNotConverged };

struct StepConfig {
  Method method = Method::Sgd;
  RuleConfig rule;
  NewtonOptions newton;
  double eta = 1.0;  // scale of the Newton step (the paper's value is 1)
};

struct StepStats {
  double loss = 0.0;  // mini-batch loss before any update of the step
  int correct = 0;    // softmax: rows classified right by that same forward pass
  NewtonStats newton;
};

class Stepper {
 public:
  Stepper(const Arch& arch, const StepConfig& cfg);
  const Arch& arch() const { return arch_; }
  const StepConfig& config() const { return cfg_; }

  // One step on the batch. On any status but Ok, theta is unchanged.
  StepStatus step(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool);

  // Loss and predictions at theta without stepping (evaluation reuses the scratch memory).
  Workspace& workspace() { return ws_; }

 private:
  StepStatus sgd(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool);
  StepStatus dn_sgd(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool);
  StepStatus sgd_dn(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool);
  StepStatus newton_only(double* theta, const Batch& batch, StepStats* stats, ThreadPool* pool);
  StepStatus first_pass(const Batch& batch, StepStats* stats, ThreadPool* pool);
  StepStatus newton_at_last(StepStats* stats, ThreadPool* pool);
  StepStatus newton_direction(StepStats* stats, ThreadPool* pool);

  Arch arch_;
  StepConfig cfg_;
  Workspace ws_;
  NewtonSolver solver_;
  UpdateRule rule_;
  Weights w_;
  size_t front_count_ = 0, last_count_ = 0;
  std::vector<double> grad_, dir_, trial_last_;
  std::vector<double> snap_theta_, snap_m_, snap_v_;
};

// all_finite() lives with the other vectorized elementwise kernels.

}  // namespace dnsgd
