#include "network.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gemm.h"
#include "rng.h"
#include "vmath.h"

namespace dnsgd {

size_t Arch::offset(int l) const {
  size_t off = 0;
  for (int i = 0; i < l; ++i) off += layer_size(i);
  return off;
}

const char* Arch::invalid() const {
  if (sizes.size() < 2) return "an architecture needs at least an input and an output size";
  for (int n : sizes)
    if (n < 1) return "every layer size must be at least 1";
  if (output == Output::Softmax && outputs() < 2)
    return "a softmax output needs at least 2 classes";
  return nullptr;
}

void Workspace::reserve(const Arch& arch, int rows) {
  if (rows <= capacity && (int)act.size() == arch.layers()) return;
  int L = arch.layers();
  int cap = std::max(rows, capacity);
  act.resize(L);
  delta.resize(L);
  for (int l = 0; l < L; ++l) {
    int w = arch.sizes[l] + 1;
    act[l].assign((size_t)cap * w, 0.0);
    for (int i = 0; i < cap; ++i) act[l][(size_t)i * w] = 1.0;  // the folded bias input
    delta[l].assign((size_t)cap * arch.sizes[l + 1], 0.0);
  }
  size_t k = (size_t)cap * arch.outputs();
  out.assign(k, 0.0);
  if (arch.output == Output::Softmax) {
    logits.assign(k, 0.0);
    lse.assign(cap, 0.0);
  }
  grad.assign(arch.param_count(), 0.0);
  capacity = cap;
}

void init_params(const Arch& arch, uint64_t seed, double* theta, Init scheme) {
  Rng rng(seed);
  for (int l = 0; l < arch.layers(); ++l) {
    int d = arch.sizes[l], h = arch.sizes[l + 1];
    bool last = l == arch.layers() - 1;
    // Uniform limits keep the variance of Glorot (2 / (fan_in + fan_out)) or He (2 / fan_in);
    // uniform rather than normal draws avoid libm, so every machine gets the same bits.
    double limit = scheme == Init::FanIn ? 1.0 / std::sqrt((double)d)
                   : (!last && arch.hidden == Activation::Relu) ? std::sqrt(6.0 / d)
                                                                : std::sqrt(6.0 / (d + h));
    double bias_limit = scheme == Init::FanIn ? limit : 0.0;
    double* w = theta + arch.offset(l);
    for (int j = 0; j < h; ++j) {
      w[(size_t)j * (d + 1)] = bias_limit == 0.0 ? 0.0 : bias_limit * (2.0 * rng.uniform() - 1.0);
      for (int a = 1; a <= d; ++a) w[(size_t)j * (d + 1) + a] = limit * (2.0 * rng.uniform() - 1.0);
    }
  }
}

void activation_forward(Activation act, double* a, int rows, int cols, int ld) {
  for (int i = 0; i < rows; ++i) {
    double* r = a + (size_t)i * ld;
    switch (act) {
      case Activation::Sigmoid:
        sigmoid_inplace(r, cols);
        break;
      case Activation::Tanh:
        for (int j = 0; j < cols; ++j) r[j] = std::tanh(r[j]);
        break;
      case Activation::Relu:
        for (int j = 0; j < cols; ++j) r[j] = r[j] > 0.0 ? r[j] : 0.0;
        break;
      case Activation::Identity:
        break;
    }
  }
}

void activation_backward(Activation act, double* delta, const double* a, int rows, int cols,
                         int lda) {
  for (int i = 0; i < rows; ++i) {
    double* dr = delta + (size_t)i * cols;
    const double* r = a + (size_t)i * lda;
    switch (act) {
      case Activation::Sigmoid:  // s' = s (1 - s)
        for (int j = 0; j < cols; ++j) dr[j] *= r[j] * (1.0 - r[j]);
        break;
      case Activation::Tanh:  // tanh' = 1 - tanh^2
        for (int j = 0; j < cols; ++j) dr[j] *= 1.0 - r[j] * r[j];
        break;
      case Activation::Relu:  // relu'(0) = 0: the output is 0 exactly when z <= 0
        for (int j = 0; j < cols; ++j) dr[j] = r[j] > 0.0 ? dr[j] : 0.0;
        break;
      case Activation::Identity:
        break;
    }
  }
}

// Logits -> probabilities, keeping the logits and log-sum-exp for the loss. The shifted
// logits of all rows go through one vectorized exp.
static void softmax_rows(const double* z, double* p, double* lse, int rows, int k) {
  for (int i = 0; i < rows; ++i) {
    const double* zi = z + (size_t)i * k;
    double* pi = p + (size_t)i * k;
    double m = zi[0];
    for (int j = 1; j < k; ++j) m = zi[j] > m ? zi[j] : m;
    lse[i] = m;
    for (int j = 0; j < k; ++j) pi[j] = zi[j] - m;  // shifted by the max: no term overflows
  }
  exp_inplace(p, rows * k);
  for (int i = 0; i < rows; ++i) {
    double* pi = p + (size_t)i * k;
    double s = 0.0;
    for (int j = 0; j < k; ++j) s += pi[j];
    double inv = 1.0 / s;
    for (int j = 0; j < k; ++j) pi[j] *= inv;
    lse[i] += std::log(s);
  }
}

void layer_pointers(const Arch& arch, const double* theta, Weights& w) {
  w.resize(arch.layers());
  for (int l = 0; l < arch.layers(); ++l) w[l] = theta + arch.offset(l);
}

void forward(const Arch& arch, const Weights& wl, const Batch& batch, Workspace& ws,
             ThreadPool* pool, int from) {
  int L = arch.layers(), N = batch.rows;
  ws.rows = N;
  if (from == 0 && !batch.preloaded) {
    int n0 = arch.sizes[0];
    for (int i = 0; i < N; ++i)
      std::memcpy(&ws.act[0][(size_t)i * (n0 + 1) + 1], batch.x + (size_t)i * n0,
                  sizeof(double) * n0);
  }
  for (int l = from; l < L; ++l) {
    int d = arch.sizes[l], h = arch.sizes[l + 1];
    const double* w = wl[l];
    // Z = X~ W^T: (N x (d+1)) times ((d+1) x h).
    if (l < L - 1) {
      double* z = ws.act[l + 1].data() + 1;  // skip the ones column
      gemm(Trans::No, Trans::Yes, N, h, d + 1, 1.0, ws.act[l].data(), d + 1, w, d + 1, 0.0, z,
           h + 1, pool);
      activation_forward(arch.hidden, z, N, h, h + 1);
    } else if (arch.output == Output::Linear) {
      gemm(Trans::No, Trans::Yes, N, h, d + 1, 1.0, ws.act[l].data(), d + 1, w, d + 1, 0.0,
           ws.out.data(), h, pool);
    } else {
      gemm(Trans::No, Trans::Yes, N, h, d + 1, 1.0, ws.act[l].data(), d + 1, w, d + 1, 0.0,
           ws.logits.data(), h, pool);
      softmax_rows(ws.logits.data(), ws.out.data(), ws.lse.data(), N, h);
    }
  }
}

double batch_loss(const Arch& arch, const Batch& batch, const Workspace& ws) {
  int N = batch.rows, K = arch.outputs();
  double sum = 0.0;
  if (arch.output == Output::Linear) {
    for (size_t i = 0; i < (size_t)N * K; ++i) {
      double e = ws.out[i] - batch.y[i];
      sum += e * e;
    }
  } else {
    for (int i = 0; i < N; ++i) sum += ws.lse[i] - ws.logits[(size_t)i * K + batch.labels[i]];
  }
  return sum / N;
}

void output_delta(const Arch& arch, const Batch& batch, Workspace& ws) {
  int N = batch.rows, K = arch.outputs();
  double* dz = ws.delta[arch.layers() - 1].data();
  if (arch.output == Output::Linear) {
    double s = 2.0 / N;
    for (size_t i = 0; i < (size_t)N * K; ++i) dz[i] = s * (ws.out[i] - batch.y[i]);
  } else {
    double s = 1.0 / N;
    for (size_t i = 0; i < (size_t)N * K; ++i) dz[i] = s * ws.out[i];
    for (int i = 0; i < N; ++i) dz[(size_t)i * K + batch.labels[i]] -= s;
  }
}

void backward(const Arch& arch, const Weights& w, Workspace& ws, double* grad, int down_to,
              ThreadPool* pool, bool skip_last) {
  int rows = ws.rows, L = arch.layers();
  for (int l = L - 1; l >= down_to; --l) {
    int d = arch.sizes[l], h = arch.sizes[l + 1];
    const double* dz = ws.delta[l].data();
    // dW = dZ^T X~: (h x N) times (N x (d+1)).
    if (!(skip_last && l == L - 1))
      gemm(Trans::Yes, Trans::No, h, d + 1, rows, 1.0, dz, h, ws.act[l].data(), d + 1, 0.0,
           grad + arch.offset(l), d + 1, pool);
    if (l > down_to) {
      // dX = dZ W[:, 1:], then through the activation of layer l-1's output.
      double* dprev = ws.delta[l - 1].data();
      gemm(Trans::No, Trans::No, rows, d, h, 1.0, dz, h, w[l] + 1, d + 1, 0.0, dprev, d, pool);
      activation_backward(arch.hidden, dprev, ws.act[l].data() + 1, rows, d, d + 1);
    }
  }
}

double loss_and_gradient(const Arch& arch, const double* theta, const Batch& batch,
                         Workspace& ws, double* grad, ThreadPool* pool) {
  ws.reserve(arch, batch.rows);
  Weights w;
  layer_pointers(arch, theta, w);
  forward(arch, w, batch, ws, pool);
  double loss = batch_loss(arch, batch, ws);
  output_delta(arch, batch, ws);
  backward(arch, w, ws, grad, 0, pool);
  return loss;
}

}  // namespace dnsgd
