// Proves the per-step path allocates nothing: global operator new is replaced in this test
// program by a counting one, and every optimizer configuration must take its steps (and a fit
// its steps between epoch ends) without a single allocation once warmed up.
// GCC cannot see that the replaced operator new below pairs malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "check.h"
#include "kernels/fit.h"
#include "kernels/network.h"
#include "kernels/optim.h"
#include "kernels/rng.h"
#include "kernels/threadpool.h"

static std::atomic<long> g_allocs{0};

void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace dnsgd;

namespace {

struct Problem {
  Arch arch;
  std::vector<double> theta, x, y;
  std::vector<int32_t> labels;
  Batch batch;
};

Problem make(std::vector<int> sizes, Output out, int rows) {
  Problem p;
  p.arch.sizes = sizes;
  p.arch.output = out;
  p.theta.resize(p.arch.param_count());
  init_params(p.arch, 3, p.theta.data());
  Rng rng(5);
  p.x.resize((size_t)rows * sizes.front());
  for (double& v : p.x) v = 2 * rng.uniform() - 1;
  if (out == Output::Linear) {
    p.y.resize((size_t)rows * sizes.back());
    for (double& v : p.y) v = rng.uniform();
  } else {
    p.labels.resize(rows);
    for (int32_t& l : p.labels) l = (int32_t)rng.below(sizes.back());
  }
  p.batch.rows = rows;
  p.batch.x = p.x.data();
  p.batch.y = p.y.empty() ? nullptr : p.y.data();
  p.batch.labels = p.labels.empty() ? nullptr : p.labels.data();
  return p;
}

void check_steps(const char* name, Problem p, StepConfig cfg, ThreadPool* pool) {
  Stepper s(p.arch, cfg);
  StepStats st;
  for (int i = 0; i < 3; ++i) s.step(p.theta.data(), p.batch, &st, pool);  // warm-up
  long before = g_allocs.load();
  bool ok = true;
  for (int i = 0; i < 50; ++i) ok &= s.step(p.theta.data(), p.batch, &st, pool) == StepStatus::Ok;
  long during = g_allocs.load() - before;
  if (!CHECK(ok) || !CHECK(during == 0))
    std::fprintf(stderr, "  %s: %ld allocations in 50 steps\n", name, during);
}

struct Counting : FitObserver {
  long first = -1, last = -1;
  bool wants_steps() const override { return true; }
  void on_step(const StepRecord& r) override {
    if (r.epoch != 2) return;  // epoch 1 warms the scratch up
    long now = g_allocs.load();
    if (first < 0) first = now;
    last = now;
  }
};

}  // namespace

int main() {
  ThreadPool one(1), two(2);
  for (ThreadPool* pool : {&one, &two}) {
    StepConfig sgd;
    check_steps("sgd", make({20, 16, 3}, Output::Linear, 32), sgd, pool);
    StepConfig adam;
    adam.rule.rule = Rule::Adam;
    check_steps("adam", make({20, 16, 3}, Output::Softmax, 32), adam, pool);
    for (Method m : {Method::DnSgd, Method::SgdDn}) {
      for (Solver solver : {Solver::Dense, Solver::Cg}) {
        StepConfig c;
        c.method = m;
        c.newton.alpha = 0.01;
        c.newton.solver = solver;
        check_steps("dn softmax", make({20, 16, 8, 5}, Output::Softmax, 40), c, pool);
        c.rule.rule = Rule::Nesterov;
        check_steps("dn mse", make({20, 16, 2}, Output::Linear, 40), c, pool);
      }
    }
    // A whole fit: no allocation between the steps of an epoch.
    Problem p = make({20, 16, 4}, Output::Softmax, 200);
    StepConfig c;
    c.method = Method::SgdDn;
    c.newton.alpha = 0.01;
    Stepper s(p.arch, c);
    FitData train;
    train.rows = 200;
    train.x = p.x.data();
    train.labels = p.labels.data();
    FitOptions opt;
    opt.epochs = 3;
    opt.batch = 16;
    Counting obs;
    FitResult r = fit(s, p.theta.data(), train, opt, obs, pool, nullptr, nullptr);
    CHECK(r.status == FitStatus::Completed);
    CHECK(obs.first >= 0 && obs.last == obs.first);
  }
  return check::check_summary();
}
