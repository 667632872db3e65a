// kernels_simd.hpp: the xsimd kernels, written once as templates on the architecture.
//
// Included by exactly one translation unit per architecture (kernels_avx512.cpp, ...),
// each compiled with that architecture's flags. Everything here sits in an anonymous
// namespace on purpose: each TU gets its own copy, so the linker can never merge an
// AVX-512 instantiation into code that runs on an SSE2-only CPU.
//
// What this deliberately does not do yet: cache blocking and multi-row register blocking
// of the matrix products (the performance issue owns that); products here are 1×4 dot
// blocks (A·Bᵀ) and 4-vector row updates (A·B).
#pragma once

#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstddef>
#include <limits>

#include "attn/kernels.hpp"

namespace attn::simd {
namespace {

template <class A>
using vf = xsimd::batch<float, A>;

// exp(x) for x ≤ 0 (and −inf). Cody–Waite reduction x = n·ln2 + f with |f| ≤ ln2/2, then
// a degree-6 Taylor polynomial for e^f (truncation ≤ 0.3466^7/7! ≈ 1.2e-7 relative), scaled by
// 2^n built in the exponent bits. Inputs below −87.33 (where e^x leaves the normal float
// range) give exactly 0. Measured max relative error vs double exp: see tests/core/test_kernels.cpp.
template <class A>
inline vf<A> exp_nonpos(vf<A> x) {
    using B = vf<A>;
    const auto underflow = x < B(-87.33654f);
    const B xc = xsimd::max(x, B(-87.33654f));
    const auto ni = xsimd::nearbyint_as_int(xc * B(1.44269504088896341f));
    const B n = xsimd::to_float(ni);
    B f = xsimd::fma(n, B(-0.693359375f), xc);  // ln2 split in a high part exact in float
    f = xsimd::fma(n, B(2.12194440e-4f), f);     // and the low remainder
    B p(1.0f / 720.0f);
    p = xsimd::fma(p, f, B(1.0f / 120.0f));
    p = xsimd::fma(p, f, B(1.0f / 24.0f));
    p = xsimd::fma(p, f, B(1.0f / 6.0f));
    p = xsimd::fma(p, f, B(0.5f));
    p = xsimd::fma(p, f, B(1.0f));
    p = xsimd::fma(p, f, B(1.0f));
    const auto bits = (ni + decltype(ni)(127)) << 23;
    const B two_n = xsimd::bitwise_cast<B>(bits);
    return xsimd::select(underflow, B(0.0f), p * two_n);
}

// Apply a batch→batch function to x[0..n) in place; the tail goes through a padded buffer so
// every element takes exactly the same arithmetic as the vector part.
template <class A, class F>
inline void map_inplace(float* x, std::size_t n, float pad, F f) {
    constexpr std::size_t S = vf<A>::size;
    std::size_t i = 0;
    for (; i + S <= n; i += S) f(vf<A>::load_unaligned(x + i)).store_unaligned(x + i);
    if (i < n) {
        alignas(64) float buf[S];
        for (std::size_t j = 0; j < S; ++j) buf[j] = i + j < n ? x[i + j] : pad;
        f(vf<A>::load_aligned(buf)).store_aligned(buf);
        for (std::size_t j = 0; i + j < n; ++j) x[i + j] = buf[j];
    }
}

template <class A>
inline float hmax(vf<A> v) {
    alignas(64) float buf[vf<A>::size];
    v.store_aligned(buf);
    float m = buf[0];
    for (std::size_t j = 1; j < vf<A>::size; ++j) m = buf[j] > m ? buf[j] : m;
    return m;
}

// c: (m, n) = alpha · a: (m, k) · b: (n, k)ᵀ — each output is a dot product of two rows.
template <class A>
void matmul_abt(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                std::size_t m, std::size_t n, std::size_t k, float alpha) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    const std::size_t kv = k / S * S;
    for (std::size_t i = 0; i < m; ++i) {
        const float* ai = a + i * lda;
        float* ci = c + i * ldc;
        std::size_t j = 0;
        for (; j + 4 <= n; j += 4) {  // four key rows share each load of the query row
            const float* b0 = b + j * ldb;
            const float *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
            B s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
            for (std::size_t p = 0; p < kv; p += S) {
                const B x = B::load_unaligned(ai + p);
                s0 = xsimd::fma(x, B::load_unaligned(b0 + p), s0);
                s1 = xsimd::fma(x, B::load_unaligned(b1 + p), s1);
                s2 = xsimd::fma(x, B::load_unaligned(b2 + p), s2);
                s3 = xsimd::fma(x, B::load_unaligned(b3 + p), s3);
            }
            float t0 = xsimd::hadd(s0), t1 = xsimd::hadd(s1), t2 = xsimd::hadd(s2), t3 = xsimd::hadd(s3);
            for (std::size_t p = kv; p < k; ++p) {
                t0 += ai[p] * b0[p];
                t1 += ai[p] * b1[p];
                t2 += ai[p] * b2[p];
                t3 += ai[p] * b3[p];
            }
            ci[j] = alpha * t0;
            ci[j + 1] = alpha * t1;
            ci[j + 2] = alpha * t2;
            ci[j + 3] = alpha * t3;
        }
        for (; j < n; ++j) {
            const float* bj = b + j * ldb;
            B s(0.0f);
            for (std::size_t p = 0; p < kv; p += S) s = xsimd::fma(B::load_unaligned(ai + p), B::load_unaligned(bj + p), s);
            float t = xsimd::hadd(s);
            for (std::size_t p = kv; p < k; ++p) t += ai[p] * bj[p];
            ci[j] = alpha * t;
        }
    }
}

// c: (m, n) = a: (m, k) · b: (k, n) (+ c) — each output row accumulates a_ip · b_p over p,
// four vectors of the row held in registers at a time.
template <class A>
void matmul_ab(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
               std::size_t m, std::size_t n, std::size_t k, bool accumulate) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    for (std::size_t i = 0; i < m; ++i) {
        const float* ai = a + i * lda;
        float* ci = c + i * ldc;
        std::size_t j = 0;
        for (; j + 4 * S <= n; j += 4 * S) {
            B c0(0.0f), c1(0.0f), c2(0.0f), c3(0.0f);
            if (accumulate) {
                c0 = B::load_unaligned(ci + j);
                c1 = B::load_unaligned(ci + j + S);
                c2 = B::load_unaligned(ci + j + 2 * S);
                c3 = B::load_unaligned(ci + j + 3 * S);
            }
            for (std::size_t p = 0; p < k; ++p) {
                const B x(ai[p]);
                const float* bp = b + p * ldb + j;
                c0 = xsimd::fma(x, B::load_unaligned(bp), c0);
                c1 = xsimd::fma(x, B::load_unaligned(bp + S), c1);
                c2 = xsimd::fma(x, B::load_unaligned(bp + 2 * S), c2);
                c3 = xsimd::fma(x, B::load_unaligned(bp + 3 * S), c3);
            }
            c0.store_unaligned(ci + j);
            c1.store_unaligned(ci + j + S);
            c2.store_unaligned(ci + j + 2 * S);
            c3.store_unaligned(ci + j + 3 * S);
        }
        for (; j + S <= n; j += S) {
            B c0 = accumulate ? B::load_unaligned(ci + j) : B(0.0f);
            for (std::size_t p = 0; p < k; ++p) c0 = xsimd::fma(B(ai[p]), B::load_unaligned(b + p * ldb + j), c0);
            c0.store_unaligned(ci + j);
        }
        for (; j < n; ++j) {
            float t = accumulate ? ci[j] : 0.0f;
            for (std::size_t p = 0; p < k; ++p) t += ai[p] * b[p * ldb + j];
            ci[j] = t;
        }
    }
}

template <class A>
float max(const float* x, std::size_t n) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    const float ninf = -std::numeric_limits<float>::infinity();
    B m(ninf);
    std::size_t i = 0;
    for (; i + S <= n; i += S) m = xsimd::max(m, B::load_unaligned(x + i));
    float r = hmax<A>(m);
    for (; i < n; ++i) r = x[i] > r ? x[i] : r;
    return r;
}

template <class A>
float exp_sub_sum(float* x, std::size_t n, float m) {
    using B = vf<A>;
    B sum(0.0f);
    const B mb(m);
    // The padded tail lanes hold −inf, whose exp is exactly 0, so they add nothing.
    map_inplace<A>(x, n, -std::numeric_limits<float>::infinity(), [&](B v) {
        const B e = exp_nonpos<A>(v - mb);
        sum += e;
        return e;
    });
    return xsimd::hadd(sum);
}

template <class A>
void exp_nonpos_inplace(float* x, std::size_t n) {
    map_inplace<A>(x, n, 0.0f, [](vf<A> v) { return exp_nonpos<A>(v); });
}

template <class A>
void tanh_inplace(float* x, std::size_t n) {
    map_inplace<A>(x, n, 0.0f, [](vf<A> v) { return xsimd::tanh(v); });
}

// σ(x) = 1 / (1 + e^−x), evaluated through e = e^−|x| ≤ 1 so nothing overflows:
// x ≥ 0: 1 / (1 + e);  x < 0: e / (1 + e).
template <class A>
void sigmoid_inplace(float* x, std::size_t n) {
    using B = vf<A>;
    map_inplace<A>(x, n, 0.0f, [](B v) {
        const B e = exp_nonpos<A>(-xsimd::abs(v));
        const B r = B(1.0f) / (B(1.0f) + e);
        return xsimd::select(v >= B(0.0f), r, e * r);
    });
}

template <class A>
void scale(float* x, std::size_t n, float s) {
    map_inplace<A>(x, n, 0.0f, [s](vf<A> v) { return v * vf<A>(s); });
}

template <class A>
void axpy(float* y, float s, const float* x, std::size_t n) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    std::size_t i = 0;
    for (; i + S <= n; i += S) xsimd::fma(B(s), B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] += s * x[i];
}

template <class A>
KernelTable make_table(const char* name) {
    return KernelTable{name,           &matmul_abt<A>,         &matmul_ab<A>,         &max<A>,   &exp_sub_sum<A>,
                       &exp_nonpos_inplace<A>, &tanh_inplace<A>, &sigmoid_inplace<A>, &scale<A>, &axpy<A>};
}

}  // namespace
}  // namespace attn::simd
