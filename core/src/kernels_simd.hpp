// kernels_simd.hpp: the xsimd kernels, written once as templates on the architecture.
//
// Included by exactly one translation unit per architecture (kernels_avx512.cpp, ...),
// each compiled with that architecture's flags. Everything here sits in an anonymous
// namespace on purpose: each TU gets its own copy, so the linker can never merge an
// AVX-512 instantiation into code that runs on an SSE2-only CPU.
//
// [SECTION] index
//   exp for x ≤ 0 (base e), helpers
//   simple kernels: A·Bᵀ (1×4 dot blocks), A·B (4-vector row updates), max, softmax pieces
//   the fast path: register-blocked micro-kernel, packed GEMM, online softmax over a tile
//
// The simple kernels serve the teaching paths (plain attention, traces) and small shapes.
// The fast path (tiled attention, multi-head projections) uses the packed GEMM: the right
// operand is packed once into column panels so the micro-kernel streams it with aligned
// loads while MR rows of the left operand are broadcast.
#pragma once

#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "attn/kernels.hpp"

#if defined(__EMSCRIPTEN__)
#include <wasm_simd128.h>
#endif

namespace attn::simd {
namespace {

template <class A>
using vf = xsimd::batch<float, A>;

// max(a, b) for inputs that are not NaN. On wasm, Emscripten lowers SSE's _mm_max_ps (what
// xsimd::max calls) to a compare and a bitselect, because wasm's f32x4.max has other NaN rules;
// f32x4.pmax (b > a ? b : a) is what x86's maxps does, one instruction in V8.
template <class A>
inline vf<A> vmax(vf<A> a, vf<A> b) {
#if defined(__EMSCRIPTEN__)
    return vf<A>(__m128(wasm_f32x4_pmax(v128_t(__m128(a)), v128_t(__m128(b)))));
#else
    return xsimd::max(a, b);
#endif
}

// exp(x) for x ≤ 0 (and −inf). Cody–Waite reduction x = n·ln2 + f with |f| ≤ ln2/2, then
// a degree-6 Taylor polynomial for e^f (truncation ≤ 0.3466^7/7! ≈ 1.2e-7 relative), scaled by
// 2^n built in the exponent bits. Inputs below −87.33 (where e^x leaves the normal float
// range) give exactly 0. Measured max relative error vs double exp: see tests/core/test_kernels.cpp.
// round(x) for |x| < 2^22 without a float→int conversion (Emscripten lowers SSE's cvtps2dq to
// four scalar calls): adding 1.5·2^23 leaves round-to-nearest-even(x) in the low mantissa bits,
// so t − 1.5·2^23 is round(x) as a float and bits(t) − bits(1.5·2^23) is it as an integer.
template <class A>
struct Rounded {
    vf<A> n;                                    // round(x) as float
    xsimd::batch<std::int32_t, A> bits_offset;  // round(x) as int32
};
template <class A>
inline Rounded<A> round_small(vf<A> x) {
    using B = vf<A>;
    using I = xsimd::batch<std::int32_t, A>;
    const B magic(12582912.0f);
    const B t = x + magic;
    return {t - magic, xsimd::bitwise_cast<I>(t) - xsimd::bitwise_cast<I>(magic)};
}

template <class A>
inline vf<A> exp_nonpos(vf<A> x) {
    using B = vf<A>;
    const auto underflow = x < B(-87.33654f);
    const B xc = xsimd::max(x, B(-87.33654f));
    const Rounded<A> r = round_small<A>(xc * B(1.44269504088896341f));
    const auto ni = r.bits_offset;
    const B n = r.n;
    B f = xsimd::fma(n, B(-0.693359375f), xc);  // ln2 split in a high part exact in float
    f = xsimd::fma(n, B(2.12194440e-4f), f);    // and the low remainder
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

// Max of the lanes as a pairwise tree (log2(width) dependent steps instead of width − 1).
template <class A>
inline float hmax(vf<A> v) {
    alignas(64) float buf[vf<A>::size];
    v.store_aligned(buf);
    for (std::size_t h = vf<A>::size / 2; h > 0; h /= 2)
        for (std::size_t j = 0; j < h; ++j) buf[j] = buf[j + h] > buf[j] ? buf[j + h] : buf[j];
    return buf[0];
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
            for (std::size_t p = 0; p < kv; p += S)
                s = xsimd::fma(B::load_unaligned(ai + p), B::load_unaligned(bj + p), s);
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
    B m0(ninf), m1(ninf), m2(ninf), m3(ninf);  // four independent chains
    std::size_t i = 0;
    for (; i + 4 * S <= n; i += 4 * S) {
        m0 = vmax<A>(m0, B::load_unaligned(x + i));
        m1 = vmax<A>(m1, B::load_unaligned(x + i + S));
        m2 = vmax<A>(m2, B::load_unaligned(x + i + 2 * S));
        m3 = vmax<A>(m3, B::load_unaligned(x + i + 3 * S));
    }
    for (; i + S <= n; i += S) m0 = vmax<A>(m0, B::load_unaligned(x + i));
    float r = hmax<A>(vmax<A>(vmax<A>(m0, m1), vmax<A>(m2, m3)));
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
void scale(const float* x, std::size_t n, float s, float* y) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    std::size_t i = 0;
    for (; i + S <= n; i += S) (B::load_unaligned(x + i) * B(s)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = x[i] * s;  // the same rounding as a lane
}

template <class A>
void axpy(float* y, float s, const float* x, std::size_t n) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    std::size_t i = 0;
    for (; i + S <= n; i += S)
        xsimd::fma(B(s), B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] += s * x[i];
}

// [SECTION] the fast path: exp2, micro-kernel, packed GEMM, online softmax

// 2^x for x ≤ 0 (and −inf). x = n + f with n = round(x), |f| ≤ 1/2 (f exact in float), then a
// degree-5 polynomial for 2^f fitted for relative error on [−1/2, 1/2] (coefficients from a
// weighted least-squares fit on Chebyshev nodes, rounded to float): max relative error
// 2.3e-7 (about 2 ulp) against double exp2, measured on 4·10^7 points of [−40, 0] with FMA
// (2.6e-7 on SSE2, where the FMA is a multiply and an add).
// Underflow without a compare and select: x is clamped at −127, where n = −127 makes the bits
// of 2^n all zero, so −inf and every x below −126.5 give exactly 0. On [−126.5, −126) the
// result is p·2^−126 with p < 1, a subnormal (true value < 2^−126 there); above, normal floats.
// Five FMAs against the six of exp_nonpos: attention folds log2(e) into the query scale.
// AVX-512 rounds with vrndscaleps and multiplies by 2^n with vscalefps, which also rounds the
// results below 2^−126 to subnormals and 0 itself: 9 instructions instead of 13, the same bits
// for every x ≥ −126.5 (below, values under 1e-38 where the other backends give 0; x is clamped
// at −160, whose 2^x rounds to exactly 0, so −inf still gives 0); its timing is in
// docs/PERFORMANCE-NOTES.md.
template <class A>
inline vf<A> exp2_poly(vf<A> f) {  // 2^f for |f| ≤ 1/2
    using B = vf<A>;
    B p(1.3266970636323094e-3f);
    p = xsimd::fma(p, f, B(9.675459936261177e-3f));
    p = xsimd::fma(p, f, B(5.550742521882057e-2f));
    p = xsimd::fma(p, f, B(2.4022121727466583e-1f));
    p = xsimd::fma(p, f, B(6.931469440460205e-1f));
    return xsimd::fma(p, f, B(1.0f));
}

template <class A>
inline vf<A> exp2_nonpos(vf<A> x) {
    using B = vf<A>;
#if defined(__AVX512F__)
    if constexpr (std::is_base_of<xsimd::avx512f, A>::value) {
        const B xc = vmax<A>(x, B(-160.0f));
        const B n = _mm512_roundscale_ps(xc, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        return _mm512_scalef_ps(exp2_poly<A>(xc - n), n);
    }
#endif
    const B xc = vmax<A>(x, B(-127.0f));
    const Rounded<A> r = round_small<A>(xc);
    const auto ni = r.bits_offset;
    const B p = exp2_poly<A>(xc - r.n);
    const auto bits = (ni + decltype(ni)(127)) << 23;
    return p * xsimd::bitwise_cast<B>(bits);
}

// Register blocking per architecture: the micro-kernel keeps an MR × NR block of vectors of c
// in registers, plus NR vectors of B and one broadcast of A. x86-64 has 16 vector registers
// below AVX-512 and 32 with it:
//   AVX-512: 6 × 4 zmm = 24 accumulators + 4 + 1 = 29 of 32; a panel is 64 columns, which is
//            also d_head = 64 in one block.
//   AVX2, SSE: 6 × 2 = 12 accumulators + 2 + 1 = 15 of 16 (the classic 6×16 sgemm block of AVX2).
//   SIMD128 (wasm): 2 × 4 = 8 accumulators + 4 + 1. V8 maps wasm SIMD values onto the 16 xmm
//            registers but keeps some for itself, so 6 × 2 spills (and ran far slower; the
//            shapes and unrollings tried are in docs/PERFORMANCE-NOTES.md). Two rows and four
//            vectors still give 8 independent mul+add chains.
// Each k step issues MR·NR FMAs against NR loads and MR broadcasts, and MR·NR ≥ 12
// independent chains hide the 4-cycle FMA latency at two FMAs per cycle.
template <class A>
struct Blocking {
    static constexpr std::size_t width = vf<A>::size;
#if defined(__EMSCRIPTEN__)
    static constexpr std::size_t rows = 2;  // MR
    static constexpr std::size_t vecs = 4;  // NR
#else
    static constexpr std::size_t rows = 6;
    static constexpr std::size_t vecs = width >= 16 ? 4 : 2;
#endif
    static constexpr std::size_t panel = vecs * width;
};

template <class F, std::size_t... I>
inline void unroll_impl(F&& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
}
// f(0), f(1), ..., f(N − 1) with compile-time indices, so register arrays stay in registers.
template <std::size_t N, class F>
inline void unroll(F&& f) {
    unroll_impl(f, std::make_index_sequence<N>{});
}

// c: (MR, NR·W) = a: (MR, k) · b: (k, NR·W)  (+ c when accumulate), b one packed panel.
// lane_max, when not null: (MR, W), lane_max[r] ← max(lane_max[r], the NR vectors of c row r),
// from the registers, so the scores need no second pass for their row maxima.
template <class A, std::size_t MR, std::size_t NR>
inline void micro_kernel(std::size_t k, const float* a, std::size_t lda, const float* b, float* c, std::size_t ldc,
                         bool accumulate, float* lane_max) {
    using B = vf<A>;
    constexpr std::size_t W = B::size, P = NR * W;
    B acc[MR][NR];
    unroll<MR>([&](auto r) {
        unroll<NR>([&](auto j) { acc[r][j] = accumulate ? B::load_unaligned(c + r * ldc + j * W) : B(0.0f); });
    });
    for (std::size_t p = 0; p < k; ++p) {
        B bv[NR];
        unroll<NR>([&](auto j) { bv[j] = B::load_unaligned(b + p * P + j * W); });
        unroll<MR>([&](auto r) {
            const B ar(a[r * lda + p]);
            unroll<NR>([&](auto j) { acc[r][j] = xsimd::fma(ar, bv[j], acc[r][j]); });
        });
    }
    unroll<MR>([&](auto r) { unroll<NR>([&](auto j) { acc[r][j].store_unaligned(c + r * ldc + j * W); }); });
    if (lane_max) {
        unroll<MR>([&](auto r) {
            B mx = B::load_aligned(lane_max + r * W);
            unroll<NR>([&](auto j) { mx = vmax<A>(mx, acc[r][j]); });
            mx.store_aligned(lane_max + r * W);
        });
    }
}

// The row tail of a panel (rows < MR) picks the micro-kernel with exactly that many rows.
template <class A, std::size_t R>
inline void micro_kernel_rows(std::size_t rows, std::size_t k, const float* a, std::size_t lda, const float* b,
                              float* c, std::size_t ldc, bool accumulate, float* lane_max) {
    if constexpr (R > 0) {
        if (rows == R)
            micro_kernel<A, R, Blocking<A>::vecs>(k, a, lda, b, c, ldc, accumulate, lane_max);
        else
            micro_kernel_rows<A, R - 1>(rows, k, a, lda, b, c, ldc, accumulate, lane_max);
    }
}

// dst rows 0..3 (dld apart) ← columns 0..3 of the 4 × 4 block at src (rows ld apart), with 128-bit
// vectors on every x86 arch (and SIMD128 on wasm): two rounds of interleaves. Packing K
// transposed this way, rather than one float at a time, leaves pack_b mostly waiting for K and V
// from memory (profile: docs/PERFORMANCE-NOTES.md).
inline void transpose4x4(const float* src, std::size_t ld, float* dst, std::size_t dld) {
    using V = xsimd::batch<float, xsimd::sse2>;
    const V r0 = V::load_unaligned(src), r1 = V::load_unaligned(src + ld);
    const V r2 = V::load_unaligned(src + 2 * ld), r3 = V::load_unaligned(src + 3 * ld);
    const V t0 = xsimd::zip_lo(r0, r2), t1 = xsimd::zip_hi(r0, r2);  // r00 r20 r01 r21 | r02 r22 r03 r23
    const V t2 = xsimd::zip_lo(r1, r3), t3 = xsimd::zip_hi(r1, r3);  // r10 r30 r11 r31 | r12 r32 r13 r33
    xsimd::zip_lo(t0, t2).store_unaligned(dst);                      // r00 r10 r20 r30
    xsimd::zip_hi(t0, t2).store_unaligned(dst + dld);
    xsimd::zip_lo(t1, t3).store_unaligned(dst + 2 * dld);
    xsimd::zip_hi(t1, t3).store_unaligned(dst + 3 * dld);
}

// dst ← B in panels of Blocking<A>::panel columns, B = b: (k, n) or bᵀ (b: (n, k)) when transposed.
template <class A>
void pack_b(const float* b, std::size_t ldb, std::size_t k, std::size_t n, bool transposed, float* dst,
            std::size_t panel_stride) {
    constexpr std::size_t P = Blocking<A>::panel;
    for (std::size_t j0 = 0; j0 < n; j0 += P) {
        float* d = dst + (j0 / P) * panel_stride;
        const std::size_t nc = n - j0 < P ? n - j0 : P;
        if (!transposed) {
            for (std::size_t p = 0; p < k; ++p) {
                const float* src = b + p * ldb + j0;
                for (std::size_t c = 0; c < nc; ++c) d[p * P + c] = src[c];
                for (std::size_t c = nc; c < P; ++c) d[p * P + c] = 0.0f;
            }
        } else {  // column j0 + c of B is row j0 + c of b: 4 × 4 blocks transposed in registers
            const float* src = b + j0 * ldb;
            std::size_t c = 0;
            for (; c + 4 <= nc; c += 4) {
                std::size_t p = 0;
                for (; p + 4 <= k; p += 4) transpose4x4(src + c * ldb + p, ldb, d + p * P + c, P);
                for (; p < k; ++p)
                    for (std::size_t i = 0; i < 4; ++i) d[p * P + c + i] = src[(c + i) * ldb + p];
            }
            for (; c < nc; ++c)
                for (std::size_t p = 0; p < k; ++p) d[p * P + c] = src[c * ldb + p];
            for (std::size_t p = 0; p < k; ++p)
                for (c = nc; c < P; ++c) d[p * P + c] = 0.0f;
        }
    }
}

// c: (m, n) = a: (m, k) · B (+ c), B packed by pack_b. Rows go in blocks of kRowBlock so the
// block of a (kRowBlock × k floats: 96 × 512 × 4 B = 192 KiB at E = 512) stays in L2 while every
// panel passes over it; inside a block each panel (k × panel floats) is reused by all row groups.
// row_max, when not null: row_max[i] ← max of c row i over its n columns, taken from the
// micro-kernels' registers as lanes and reduced across the lanes once per row.
template <class A>
void gemm_packed(const float* a, std::size_t lda, const float* bp, std::size_t panel_stride, float* c, std::size_t ldc,
                 std::size_t m, std::size_t n, std::size_t k, bool accumulate, float* row_max) {
    constexpr std::size_t MR = Blocking<A>::rows, P = Blocking<A>::panel, W = Blocking<A>::width;
    constexpr std::size_t kRowBlock = 16 * MR;
    alignas(64) float lanes[kRowBlock * W];  // with row_max: (kRowBlock, W), each row's lane maxima
    for (std::size_t i0 = 0; i0 < m; i0 += kRowBlock) {
        const std::size_t i1 = m - i0 < kRowBlock ? m : i0 + kRowBlock;
        if (row_max)
            for (std::size_t x = 0; x < (i1 - i0) * W; ++x) lanes[x] = -std::numeric_limits<float>::infinity();
        for (std::size_t j0 = 0; j0 < n; j0 += P) {
            const float* b = bp + (j0 / P) * panel_stride;
            const std::size_t nc = n - j0 < P ? n - j0 : P;
            for (std::size_t i = i0; i < i1; i += MR) {
                const std::size_t rows = i1 - i < MR ? i1 - i : MR;
                float* lm = row_max ? lanes + (i - i0) * W : nullptr;
                if (nc == P) {
                    micro_kernel_rows<A, MR>(rows, k, a + i * lda, lda, b, c + i * ldc + j0, ldc, accumulate, lm);
                } else {  // column tail: work in a full-width buffer, copy the valid columns
                    alignas(64) float buf[MR * P];
                    for (std::size_t r = 0; r < rows; ++r)
                        for (std::size_t col = 0; col < P; ++col)
                            buf[r * P + col] = accumulate && col < nc ? c[(i + r) * ldc + j0 + col] : 0.0f;
                    micro_kernel_rows<A, MR>(rows, k, a + i * lda, lda, b, buf, P, accumulate, nullptr);
                    for (std::size_t r = 0; r < rows; ++r)
                        for (std::size_t col = 0; col < nc; ++col) {
                            const float x = buf[r * P + col];
                            c[(i + r) * ldc + j0 + col] = x;
                            if (lm && x > lm[r * W]) lm[r * W] = x;  // the valid columns only
                        }
                }
            }
        }
        if (row_max)
            for (std::size_t i = i0; i < i1; ++i) row_max[i] = hmax<A>(vf<A>::load_aligned(lanes + (i - i0) * W));
    }
}

// s_r ← 2^(s_r − m) over one row (padded tail lanes −inf, whose power is 0); returns Σ.
// Four partial sums, so the adds do not chain from one vector to the next.
template <class A>
inline float exp2_sub_sum(float* x, std::size_t n, float m) {
    using B = vf<A>;
    constexpr std::size_t S = B::size;
    const B mb(m);
    B s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
    std::size_t i = 0;
    for (; i + 4 * S <= n; i += 4 * S) {
        const B e0 = exp2_nonpos<A>(B::load_unaligned(x + i) - mb);
        const B e1 = exp2_nonpos<A>(B::load_unaligned(x + i + S) - mb);
        const B e2 = exp2_nonpos<A>(B::load_unaligned(x + i + 2 * S) - mb);
        const B e3 = exp2_nonpos<A>(B::load_unaligned(x + i + 3 * S) - mb);
        e0.store_unaligned(x + i);
        e1.store_unaligned(x + i + S);
        e2.store_unaligned(x + i + 2 * S);
        e3.store_unaligned(x + i + 3 * S);
        s0 += e0;
        s1 += e1;
        s2 += e2;
        s3 += e3;
    }
    map_inplace<A>(x + i, n - i, -std::numeric_limits<float>::infinity(), [&](B v) {
        const B e = exp2_nonpos<A>(v - mb);
        s0 += e;
        return e;
    });
    return xsimd::hadd((s0 + s1) + (s2 + s3));
}

// Rows go in chunks, each in three passes: every row's max, then every row's α = 2^(m − m')
// (vectorised over the rows), then every row's powers and sum. Done row by row, the chain
// max → horizontal max → m' → α → powers → sum → l of one row was mostly latency, and the
// next row could not start before its end (the core's reorder window holds about one row),
// and whether the max grows is a data-dependent branch (profile: docs/PERFORMANCE-NOTES.md).
// α is exactly 1 when the max did not grow and 0 when nothing was attended before (m = −inf,
// where l and o are still 0), so o is rescaled without a branch on the data. row_max, when given
// (from gemm_packed), replaces the first pass's reads of the tile.
template <class A>
void online_softmax_tile(float* s, std::size_t lds, std::size_t rows, std::size_t cols, float* m, float* l, float* o,
                         std::size_t ldo, std::size_t o_cols, const float* row_max) {
    const float ninf = -std::numeric_limits<float>::infinity();
    constexpr std::size_t kChunk = 64;
    alignas(64) float m_new[kChunk], alpha[kChunk];
    for (std::size_t r0 = 0; r0 < rows; r0 += kChunk) {
        const std::size_t n = rows - r0 < kChunk ? rows - r0 : kChunk;
        for (std::size_t r = 0; r < n; ++r) {
            const float tile_max = row_max ? row_max[r0 + r] : max<A>(s + (r0 + r) * lds, cols);
            const float m_old = m[r0 + r];
            m_new[r] = tile_max > m_old ? tile_max : m_old;
            alpha[r] = m_new[r] == ninf ? 0.0f : m_old - m_new[r];  // the exponent (never −inf − −inf)
        }
        map_inplace<A>(alpha, n, 0.0f, [](vf<A> v) { return exp2_nonpos<A>(v); });
        for (std::size_t r = 0; r < n; ++r) {
            float* sr = s + (r0 + r) * lds;
            if (m_new[r] == ninf) {  // nothing attended yet: p = 0; m, l, o stay
                for (std::size_t c = 0; c < cols; ++c) sr[c] = 0.0f;
                continue;
            }
            if (m_new[r] > m[r0 + r]) {  // rescale only when the max grew (α < 1, or 0 on the first tile)
                scale<A>(o + (r0 + r) * ldo, o_cols, alpha[r], o + (r0 + r) * ldo);
                l[r0 + r] *= alpha[r];
                m[r0 + r] = m_new[r];
            }
            l[r0 + r] += exp2_sub_sum<A>(sr, cols, m_new[r]);
        }
    }
}

template <class A>
KernelTable make_table(const char* name) {
    return KernelTable{name,
                       &matmul_abt<A>,
                       &matmul_ab<A>,
                       &max<A>,
                       &exp_sub_sum<A>,
                       &exp_nonpos_inplace<A>,
                       &tanh_inplace<A>,
                       &sigmoid_inplace<A>,
                       &scale<A>,
                       &axpy<A>,
                       Blocking<A>::panel,
                       Blocking<A>::rows,
                       &pack_b<A>,
                       &gemm_packed<A>,
                       &online_softmax_tile<A>};
}

}  // namespace
}  // namespace attn::simd
