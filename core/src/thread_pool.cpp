// thread_pool.cpp: the persistent pool behind attn::parallel_for.
//
// Work is handed out one task index at a time from an atomic counter (tasks are a few
// hundred microseconds: a (head, query block) of attention), so uneven tasks such as causal
// blocks near the end of the sequence balance themselves. Workers sleep on a condition
// variable between regions; a region costs two wake-ups, well below one task.
#include "attn/parallel.hpp"

#include <algorithm>
#include <atomic>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define ATTN_HAVE_THREADS 1
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace attn {

#if defined(ATTN_HAVE_THREADS)
namespace {

class Pool {
public:
    explicit Pool(std::size_t workers) {
        for (std::size_t w = 0; w < workers; ++w) threads_.emplace_back([this, w] { worker_loop(w + 1); });
    }
    ~Pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : threads_) t.join();
    }

    // Runs the region when no other region is running; returns false (nothing run) otherwise.
    bool try_run(std::size_t n, std::size_t threads,
                 const std::function<void(std::size_t, std::size_t)>& task) {
        std::unique_lock<std::mutex> region(region_, std::try_to_lock);
        if (!region.owns_lock()) return false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            task_ = &task;
            n_ = n;
            next_.store(0);
            wanted_ = std::min(threads - 1, threads_.size());
            running_ = wanted_;
            ++generation_;
        }
        wake_.notify_all();
        drain(0);
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return running_ == 0; });
        task_ = nullptr;
        return true;
    }

private:
    void drain(std::size_t worker) {
        for (std::size_t i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) (*task_)(i, worker);
    }

    void worker_loop(std::size_t worker) {
        std::size_t seen = 0;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || (generation_ != seen && worker <= wanted_); });
                if (stop_) return;
                seen = generation_;
            }
            drain(worker);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (--running_ == 0) done_.notify_one();
            }
        }
    }

    std::vector<std::thread> threads_;
    std::mutex region_;  // one region at a time
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
    std::size_t n_ = 0, wanted_ = 0, running_ = 0, generation_ = 0;
    std::atomic<std::size_t> next_{0};
    bool stop_ = false;
};

Pool& pool() {
    static Pool p(hardware_threads() - 1);
    return p;
}

}  // namespace
#endif

std::size_t hardware_threads() {
#if defined(ATTN_HAVE_THREADS)
    static const std::size_t n = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    return n;
#else
    return 1;
#endif
}

std::size_t resolve_threads(std::size_t threads) {
    const std::size_t hw = hardware_threads();
    return threads == 0 ? hw : std::min(threads, hw);
}

void parallel_for(std::size_t n, std::size_t threads, const std::function<void(std::size_t, std::size_t)>& task) {
    const std::size_t t = std::min(resolve_threads(threads), n);
#if defined(ATTN_HAVE_THREADS)
    if (t > 1 && pool().try_run(n, t, task)) return;
#endif
    for (std::size_t i = 0; i < n; ++i) task(i, 0);
}

}  // namespace attn
