#include "threadpool.h"

#include <cstdlib>
#include <string>
#include <system_error>

namespace dnsgd {

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  workers_.reserve(threads_ - 1);
  try {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error&) {
    // Out of threads: work with those that started (the caller's thread always counts).
  }
  threads_ = static_cast<int>(workers_.size()) + 1;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

// Takes tasks until none is left. Runs on the caller's thread and on every worker.
void ThreadPool::drain() {
  for (;;) {
    int task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (next_ >= count_) return;
      task = next_++;
    }
    fn_(ctx_, task);
    bool last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last = --pending_ == 0;
    }
    if (last) done_.notify_all();
  }
}

void ThreadPool::dispatch(int count, TaskFn fn, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = fn;
    ctx_ = ctx;
    count_ = count;
    next_ = 0;
    pending_ = count;
    ++generation_;
  }
  wake_.notify_all();
  drain();
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    drain();
  }
}

ThreadPool* shared_pool(int threads) {
  threads = threads < 1 ? 1 : threads > 256 ? 256 : threads;
  static std::mutex mu;
  // Never destroyed: worker threads must not be joined during static destruction at exit.
  static ThreadPool* pools[257] = {};
  std::lock_guard<std::mutex> lock(mu);
  if (!pools[threads]) pools[threads] = new ThreadPool(threads);
  return pools[threads];
}

int default_thread_count() {
  if (const char* env = std::getenv("DNSGD_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0 && v <= 256) return static_cast<int>(v);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace dnsgd
