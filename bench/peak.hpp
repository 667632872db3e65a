// peak.hpp: the machine's arithmetic limit, measured: fp32 multiply-add throughput of one
// core with independent accumulator chains, one instantiation per architecture (each in its
// own translation unit with that architecture's flags, like the core's kernels).
//
// Chains of acc ← acc·x + y, independent so latency (4 cycles for an FMA) is covered at two
// FMAs per cycle; the count that runs fastest is taken (see fma_peak). Without FMA in the
// ISA (SSE2, wasm SIMD128) xsimd::fma is a multiply and an add: we count 2 flops per lane
// either way, since that is also what the attention kernels issue per multiply-add.
#pragma once

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <ctime>
#include <cstddef>
#include <utility>

namespace bench {
namespace {

template <class F, std::size_t... I>
inline void unroll_impl(F&& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
}

// GFLOP/s of 1 thread with C chains; runs for about `seconds`.
template <class A, std::size_t C>
double fma_peak_chains(double seconds) {
    using B = xsimd::batch<float, A>;
    // Inputs through volatiles: the compiler must not fold the chains at compile time.
    volatile float vx = 0.9999999f, vy = 1e-7f, v0 = 1.0f;
    B acc[C];
    unroll_impl([&](auto c) { acc[c] = B(v0 + 0.001f * static_cast<float>(c)); }, std::make_index_sequence<C>{});
    const B x(vx), y(vy);
    const std::size_t inner = 4096;
    std::size_t rounds = 0;
    // CPU time, not wall time: on a busy machine the thread may wait for a core, and the peak
    // is what the core does while it runs us (natively; in wasm std::clock is wall time).
    const std::clock_t t0 = std::clock();
    double elapsed = 0.0;
    do {
        for (std::size_t it = 0; it < inner; ++it)
            unroll_impl([&](auto c) { acc[c] = xsimd::fma(acc[c], x, y); }, std::make_index_sequence<C>{});
        ++rounds;
        elapsed = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
    } while (elapsed < seconds);
    B sum(0.0f);
    unroll_impl([&](auto c) { sum += acc[c]; }, std::make_index_sequence<C>{});
    volatile float sink = xsimd::hadd(sum);  // keep the chains alive
    (void)sink;
    return static_cast<double>(rounds) * inner * C * B::size * 2.0 / elapsed * 1e-9;
}

// The best over a few chain counts: too few chains leave the units waiting on latency, too
// many spill (16 registers below AVX-512; V8 keeps some of the 16 xmm registers for itself).
template <class A>
double fma_peak(double seconds) {
    const double s = seconds / 4;
    double best = fma_peak_chains<A, 8>(s);
    best = std::max(best, fma_peak_chains<A, 10>(s));
    best = std::max(best, fma_peak_chains<A, 12>(s));
    if (xsimd::batch<float, A>::size >= 16) best = std::max(best, fma_peak_chains<A, 24>(s));
    return best;
}

}  // namespace
}  // namespace bench
