// parallel.hpp: a small persistent thread pool for the fast paths (heads × query blocks).
//
// Native builds start hardware_threads() − 1 workers on first use and keep them; the caller's
// thread always takes part, so threads = 1 runs everything inline with no synchronisation.
// WebAssembly builds (no pthreads) always run inline. One parallel region runs at a time: a
// call made while another region is running (from another thread, or nested) runs inline.
#pragma once

#include <cstddef>
#include <functional>

namespace attn {

// Threads this machine offers (std::thread::hardware_concurrency(), at least 1; 1 in wasm).
std::size_t hardware_threads();

// The thread count a request resolves to: 0 = hardware_threads(), otherwise min(threads, hardware_threads()).
std::size_t resolve_threads(std::size_t threads);

// task(i, worker) for every i in [0, n), spread over resolve_threads(threads) threads; worker is
// in [0, that count) and no two tasks run on the same worker at once (index per-thread scratch
// with it). Thread t of T starts with the contiguous share [t·n/T, (t+1)·n/T) in order, then
// steals from the back of the others' shares: give neighbouring indices to work on the same
// data. Returns when every task has finished. Tasks must not throw. n < 2^32 for threading.
void parallel_for(std::size_t n, std::size_t threads,
                  const std::function<void(std::size_t task, std::size_t worker)>& task);

}  // namespace attn
