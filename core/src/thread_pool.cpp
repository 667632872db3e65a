// thread_pool.cpp: the persistent pool behind attn::parallel_for.
//
// Each thread of a region owns a contiguous share of the task indices (thread t of T starts with
// [t·n/T, (t+1)·n/T)) and takes them from the front; a thread whose share is empty steals from
// the back of another's. Consecutive tasks touch the same data (the query blocks of one head
// read that head's packed K and V), so contiguous shares keep each core on its own data. With
// tasks handed out round-robin from one counter both cores worked on the same head and the
// packed panels crossed between them, which was measurably slower (docs/PERFORMANCE-NOTES.md).
// Stealing keeps uneven tasks balanced.
//
// Waiting spins before it sleeps. On this project's machine (a 2-vCPU virtual machine) waking a
// thread that sleeps on a condition variable takes tens of microseconds, because a halted vCPU
// is woken through the hypervisor (measured: docs/PERFORMANCE-NOTES.md). That is about as long
// as a whole attention task, twice per region (the worker's start, the caller's wake-up at the
// end). So a worker that finishes a region polls for the next one for kSpin before it sleeps,
// and the caller polls for the last worker to finish before it sleeps: back-to-back regions (the
// projections and the attention of multi-head attention, calls in a loop) hand over in well
// under a microsecond. The cost is at most kSpin of one core after the last region.
#include "attn/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

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

// How long a waiting thread polls before it sleeps (see the top of the file).
constexpr std::chrono::microseconds kSpin{300};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Polls ready() for up to kSpin; true as soon as it holds.
template <class F>
bool spin_until(F ready) {
    const auto end = std::chrono::steady_clock::now() + kSpin;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= end) return ready();
    }
}

// A range [front, back) of task indices in one atomic word, taken from either end.
struct alignas(64) Share {  // one cache line each: the owner's takes do not disturb the others
    std::atomic<std::uint64_t> range{0};
    void set(std::size_t front, std::size_t back) { range.store(std::uint64_t(back) << 32 | front); }
    bool take_front(std::uint32_t& i) {
        std::uint64_t r = range.load();
        for (;;) {
            const std::uint32_t f = std::uint32_t(r), b = std::uint32_t(r >> 32);
            if (f >= b) return false;
            if (range.compare_exchange_weak(r, std::uint64_t(b) << 32 | (f + 1))) {
                i = f;
                return true;
            }
        }
    }
    bool take_back(std::uint32_t& i) {
        std::uint64_t r = range.load();
        for (;;) {
            const std::uint32_t f = std::uint32_t(r), b = std::uint32_t(r >> 32);
            if (f >= b) return false;
            if (range.compare_exchange_weak(r, std::uint64_t(b - 1) << 32 | f)) {
                i = b - 1;
                return true;
            }
        }
    }
};

// Whether this thread is running a region's tasks (a pool worker always is): a parallel_for
// from inside a task then runs inline instead of asking the pool for another region.
thread_local bool t_in_region = false;

class Pool {
public:
    explicit Pool(std::size_t workers) : shares_(workers + 1), seats_(workers) {
        for (std::size_t w = 0; w < workers; ++w) threads_.emplace_back([this, w] { worker_loop(w + 1); });
    }
    ~Pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_.store(true);
        }
        for (auto& seat : seats_) seat.wake.notify_one();
        for (auto& t : threads_) t.join();
    }

    // Runs the region when no other region is running; returns false (nothing run) otherwise.
    // n < 2^32 (the shares hold 32-bit indices).
    bool try_run(std::size_t n, std::size_t threads, const std::function<void(std::size_t, std::size_t)>& task) {
        std::unique_lock<std::mutex> region(region_, std::try_to_lock);
        if (!region.owns_lock()) return false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            task_ = &task;
            wanted_ = std::min(threads - 1, threads_.size());
            const std::uint64_t t = wanted_ + 1;
            for (std::size_t i = 0; i < t; ++i)
                shares_[i].set(i * std::uint64_t(n) / t, (i + 1) * std::uint64_t(n) / t);
            running_.store(wanted_);
            // Only the workers this region uses are called: the others neither wake nor read
            // its fields (on a machine with many cores, a 2-thread region costs 2 threads).
            // The release store publishes task_, wanted_ and the shares to the worker that
            // reads its seat with acquire.
            ++regions_;
            for (std::size_t w = 0; w < wanted_; ++w) seats_[w].region.store(regions_, std::memory_order_release);
        }
        for (std::size_t w = 0; w < wanted_; ++w) seats_[w].wake.notify_one();  // no system call when it polls
        t_in_region = true;
        drain(0);
        t_in_region = false;
        if (!spin_until([this] { return running_.load(std::memory_order_acquire) == 0; })) {
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, [this] { return running_.load() == 0; });
        }
        task_ = nullptr;
        return true;
    }

private:
    // Own share first, then steal from the others' backs until every share is empty.
    void drain(std::size_t worker) {
        std::uint32_t i = 0;
        while (shares_[worker].take_front(i)) (*task_)(i, worker);
        const std::size_t t = wanted_ + 1;
        for (bool found = true; found;) {
            found = false;
            for (std::size_t k = 1; k < t; ++k)
                if (shares_[(worker + k) % t].take_back(i)) {
                    (*task_)(i, worker);
                    found = true;
                    break;
                }
        }
    }

    void worker_loop(std::size_t worker) {
        t_in_region = true;
        Seat& seat = seats_[worker - 1];
        std::size_t seen = 0;
        for (;;) {
            const auto called = [&] { return seat.region.load(std::memory_order_acquire) != seen; };
            if (!spin_until([&] { return called() || stop_.load(std::memory_order_relaxed); })) {
                std::unique_lock<std::mutex> lock(mutex_);
                seat.wake.wait(lock, [&] { return stop_.load() || called(); });
            }
            if (stop_.load()) return;
            // The caller waits for every worker it called before it starts another region, so
            // the seat cannot move again before this region's tasks are done.
            seen = seat.region.load(std::memory_order_acquire);
            drain(worker);
            if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard<std::mutex> lock(mutex_);  // the caller checks running_ under it
                done_.notify_one();
            }
        }
    }

    // One per worker, on its own cache line: the number of the last region that called it
    // (polled while it spins) and the condition variable it sleeps on.
    struct alignas(64) Seat {
        std::atomic<std::size_t> region{0};
        std::condition_variable wake;
    };

    std::vector<std::thread> threads_;
    std::mutex region_;  // one region at a time
    std::mutex mutex_;
    std::condition_variable done_;
    const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
    std::size_t wanted_ = 0, regions_ = 0;
    std::vector<Share> shares_;  // one per thread of the region (caller = 0)
    std::vector<Seat> seats_;    // one per worker (worker w sits in seats_[w − 1])
    std::atomic<std::size_t> running_{0};
    std::atomic<bool> stop_{false};
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
    // Nested calls (from inside a task) run inline: the pool runs one region at a time.
    if (t > 1 && !t_in_region && n <= UINT32_MAX && pool().try_run(n, t, task)) return;
#endif
    for (std::size_t i = 0; i < n; ++i) task(i, 0);
}

}  // namespace attn
