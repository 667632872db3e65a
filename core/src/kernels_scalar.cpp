// kernels_scalar.cpp: the plain-loop backend. Always available; it is what the
// ATTN_SCALAR_ONLY build uses everywhere, and what tests compare the SIMD backends with
// (both are in turn checked against a double-precision reference).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels_backends.hpp"

namespace attn::scalar {
namespace {

// c: (m, n) = alpha · a: (m, k) · b: (n, k)ᵀ
void matmul_abt(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                std::size_t m, std::size_t n, std::size_t k, float alpha) {
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            float s = 0.0f;
            for (std::size_t p = 0; p < k; ++p) s += a[i * lda + p] * b[j * ldb + p];
            c[i * ldc + j] = alpha * s;
        }
}

// c: (m, n) = a: (m, k) · b: (k, n)  (+ c)
void matmul_ab(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
               std::size_t m, std::size_t n, std::size_t k, bool accumulate) {
    for (std::size_t i = 0; i < m; ++i) {
        float* ci = c + i * ldc;
        if (!accumulate) std::fill(ci, ci + n, 0.0f);
        for (std::size_t p = 0; p < k; ++p) {
            const float aip = a[i * lda + p];
            const float* bp = b + p * ldb;
            for (std::size_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
        }
    }
}

float max(const float* x, std::size_t n) {
    float m = -std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

float exp_sub_sum(float* x, std::size_t n, float m) {
    float s = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - m);
        s += x[i];
    }
    return s;
}

void exp_nonpos(float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

void tanh_inplace(float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}

void sigmoid_inplace(float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const float e = std::exp(-std::fabs(x[i]));
        x[i] = x[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

void scale(float* x, std::size_t n, float s) {
    for (std::size_t i = 0; i < n; ++i) x[i] *= s;
}

void axpy(float* y, float s, const float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] += s * x[i];
}

}  // namespace

const KernelTable& table() {
    static const KernelTable t{"scalar", &matmul_abt,   &matmul_ab,       &max,   &exp_sub_sum,
                               &exp_nonpos, &tanh_inplace, &sigmoid_inplace, &scale, &axpy};
    return t;
}

}  // namespace attn::scalar
