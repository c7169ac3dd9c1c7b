// A small fixed pool of worker threads for splitting one kernel call into tasks.
//
// The calling thread always takes part, so a pool of size 1 starts no thread at all and
// run() is a plain loop. Tasks are indices 0..count-1; run() returns when all are done.
// Pools are shared (shared_pool): when a second caller finds the pool busy, it runs its tasks
// on its own thread instead of waiting, so concurrent trainings never block each other and
// every kernel gives the same bits whatever the thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace dnsgd {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(task) for task in [0, count), spread over the pool's threads and the caller's.
  template <class F>
  void run(int count, F&& fn) {
    if (count <= 0) return;
    if (threads_ == 1 || count == 1 || running_.exchange(true, std::memory_order_acquire)) {
      for (int t = 0; t < count; ++t) fn(t);
      return;
    }
    dispatch(count, &invoke<F>, &fn);
    running_.store(false, std::memory_order_release);
  }

 private:
  using TaskFn = void (*)(void* ctx, int task);
  template <class F>
  static void invoke(void* ctx, int task) { (*static_cast<F*>(ctx))(task); }

  void dispatch(int count, TaskFn fn, void* ctx);
  void worker_loop();
  void drain();

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int count_ = 0;
  int next_ = 0;
  int pending_ = 0;
  std::atomic<bool> running_{false};
};

// Runs fn(begin, end) over [0, n) in one contiguous range per thread when n is at least
// `min_per_thread` per thread (elementwise work below that is cheaper than a wake-up), else
// fn(0, n) on the caller. For elementwise loops, whose results do not depend on the split.
template <class F>
void parallel_ranges(ThreadPool* pool, size_t n, size_t min_per_thread, F&& fn) {
  int parts = pool ? pool->size() : 1;
  if (parts <= 1 || n < min_per_thread * (size_t)parts) {
    fn((size_t)0, n);
    return;
  }
  size_t chunk = (n + parts - 1) / parts;
  pool->run(parts, [&](int t) {
    size_t b = (size_t)t * chunk, e = b + chunk < n ? b + chunk : n;
    if (b < e) fn(b, e);
  });
}

// The process-wide pool of `threads` threads (clamped to [1, 256]), created on first use and
// kept for the life of the process, so that any number of networks and optimizers share a
// handful of threads.
ThreadPool* shared_pool(int threads);

// Threads to use by default: DNSGD_THREADS when set to a positive integer, else the core count.
int default_thread_count();

}  // namespace dnsgd
