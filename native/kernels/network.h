// Fully-connected networks: architecture, parameter layout, forward and backward passes.
//
// Layout (docs/method.md): layer l (0-based here, l = 0..L-1) has W(l) of shape
// n_{l+1} x (n_l + 1), row-major, bias in column 0. All layers sit back to back in one
// parameter vector theta. Every activation buffer is stored *augmented*: N x (n_l + 1) with a
// leading column of ones, so each layer's product is one plain gemm and the last layer's
// Hessian is a Gram matrix of a buffer that already exists.
//
// Shape letters: N batch rows, d fan-in of a layer (without bias), h fan-out, K outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dnsgd {

class ThreadPool;

enum class Activation : uint8_t { Sigmoid, Tanh, Relu, Identity };
enum class Output : uint8_t { Linear, Softmax };

struct Arch {
  std::vector<int> sizes;  // n_0 .. n_L, all >= 1
  Activation hidden = Activation::Sigmoid;
  Output output = Output::Linear;

  int layers() const { return static_cast<int>(sizes.size()) - 1; }
  int inputs() const { return sizes.front(); }
  int outputs() const { return sizes.back(); }
  // Offset and element count of W(l) inside theta.
  size_t offset(int l) const;
  size_t layer_size(int l) const { return (size_t)sizes[l + 1] * (sizes[l] + 1); }
  size_t param_count() const { return offset(layers()); }
  // Empty when valid, else a reason (the addon turns it into an exception).
  const char* invalid() const;
};

// A mini-batch as the kernels see it. Exactly one of y (N x K targets, Output::Linear) and
// labels (N class indices in 0..K-1, Output::Softmax) is set.
struct Batch {
  int rows = 0;
  const double* x = nullptr;  // N x n_0, row-major
  const double* y = nullptr;
  const int32_t* labels = nullptr;
  // The rows already sit in the workspace's act[0] (augmented), so forward() skips its copy
  // and x is not read. The training loop gathers shuffled rows straight there.
  bool preloaded = false;
};

// Scratch memory for one architecture, grown on demand and then reused: after the first call
// with the largest batch, no pass allocates.
struct Workspace {
  int capacity = 0;                  // rows the buffers hold
  int rows = 0;                      // rows of the batch the last forward pass saw
  std::vector<std::vector<double>> act;    // act[l]: N x (n_l + 1), l = 0..L-1, column 0 == 1
  std::vector<std::vector<double>> delta;  // delta[l]: N x n_{l+1}, dLoss/dZ of layer l
  std::vector<double> out;           // N x K: predictions (linear) or probabilities (softmax)
  std::vector<double> logits;        // N x K: softmax only, kept for the log-sum-exp loss
  std::vector<double> lse;           // N: softmax only, log sum_k exp(logit_k) per row
  std::vector<double> grad;          // param_count: the last gradient computed

  void reserve(const Arch& arch, int rows);
};

// Initialisation schemes:
//   Glorot  Glorot-uniform weights (He-uniform in front of relu), zero biases
//   FanIn   weights and biases uniform in +-1/sqrt(fan_in), the default of PyTorch's Linear
enum class Init : uint8_t { Glorot, FanIn };

// Fills theta with the seeded initialisation. Bit-identical on every machine.
void init_params(const Arch& arch, uint64_t seed, double* theta, Init scheme = Init::Glorot);

// Per-layer weight pointers: w[l] is W(l). Usually they point into theta (layer_pointers), but
// an optimizer can point one layer at a trial copy to run a pass through updated weights
// before it commits them.
using Weights = std::vector<const double*>;
void layer_pointers(const Arch& arch, const double* theta, Weights& w);

// Forward pass over layers [from, L): act[from] must already hold its augmented input (for
// from == 0 this copies batch.x into act[0]). Leaves predictions/probabilities in ws.out.
// The caller must have reserved ws for batch.rows.
void forward(const Arch& arch, const Weights& w, const Batch& batch, Workspace& ws,
             ThreadPool* pool, int from = 0);

// Mean loss of the last forward pass against the batch (docs/method.md: MSE without 1/2, or
// cross-entropy from the kept logits and log-sum-exp, never log of a probability).
double batch_loss(const Arch& arch, const Batch& batch, const Workspace& ws);

// Output error dLoss/dZ_L into ws.delta[L-1] from ws.out: (2/N)(F - Y) or (1/N)(P - onehot).
void output_delta(const Arch& arch, const Batch& batch, Workspace& ws);

// Back-propagates ws.delta[L-1] down to layer `down_to` and writes the gradients of layers
// [down_to, L) into grad (overwrite, not accumulate; grad uses theta's layout). With
// skip_last, the last layer's gradient is not formed (an optimizer that replaces it by a
// Newton step saves that product); the error still flows through w[L-1].
void backward(const Arch& arch, const Weights& w, Workspace& ws, double* grad, int down_to,
              ThreadPool* pool, bool skip_last = false);

// Loss and full gradient at theta: forward, output_delta, backward. Returns the loss.
double loss_and_gradient(const Arch& arch, const double* theta, const Batch& batch,
                         Workspace& ws, double* grad, ThreadPool* pool);

// Applies the hidden activation in place on an N x h block with row stride ld.
void activation_forward(Activation act, double* a, int rows, int cols, int ld);
// delta *= act'(z), with the derivative written through the activation's output a.
void activation_backward(Activation act, double* delta, const double* a, int rows, int cols,
                         int lda);

}  // namespace dnsgd
