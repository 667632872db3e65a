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

void scale(const float* x, std::size_t n, float s, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * s;
}

void axpy(float* y, float s, const float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] += s * x[i];
}

// The packed GEMM of the fast path, in plain loops. Panels of 4 columns, rows one at a time.
constexpr std::size_t kPanel = 4;

void pack_b(const float* b, std::size_t ldb, std::size_t k, std::size_t n, bool transposed, float* dst,
            std::size_t panel_stride) {
    for (std::size_t j0 = 0; j0 < n; j0 += kPanel) {
        float* d = dst + (j0 / kPanel) * panel_stride;
        for (std::size_t p = 0; p < k; ++p)
            for (std::size_t c = 0; c < kPanel; ++c)
                d[p * kPanel + c] = j0 + c >= n ? 0.0f : transposed ? b[(j0 + c) * ldb + p] : b[p * ldb + j0 + c];
    }
}

// c: (m, n) = a: (m, k) · B (+ c), B packed in panels of kPanel columns; row_max: each row's max
void gemm_packed(const float* a, std::size_t lda, const float* bp, std::size_t panel_stride, float* c, std::size_t ldc,
                 std::size_t m, std::size_t n, std::size_t k, bool accumulate, float* row_max) {
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const float* b = bp + (j / kPanel) * panel_stride + j % kPanel;
            float s = 0.0f;
            for (std::size_t p = 0; p < k; ++p) s += a[i * lda + p] * b[p * kPanel];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
        }
    if (row_max)
        for (std::size_t i = 0; i < m; ++i) row_max[i] = max(c + i * ldc, n);
}

void online_softmax_tile(float* s, std::size_t lds, std::size_t rows, std::size_t cols, float* m, float* l, float* o,
                         std::size_t ldo, std::size_t o_cols, const float* row_max) {
    const float ninf = -std::numeric_limits<float>::infinity();
    for (std::size_t r = 0; r < rows; ++r) {
        float* sr = s + r * lds;
        const float m_new = std::max(m[r], row_max ? row_max[r] : max(sr, cols));
        if (m_new == ninf) {
            std::fill(sr, sr + cols, 0.0f);
            continue;
        }
        if (m_new > m[r]) {
            if (m[r] != ninf) {
                const float alpha = std::exp2(m[r] - m_new);
                l[r] *= alpha;
                scale(o + r * ldo, o_cols, alpha, o + r * ldo);
            }
            m[r] = m_new;
        }
        float sum = 0.0f;
        for (std::size_t c = 0; c < cols; ++c) {
            sr[c] = std::exp2(sr[c] - m_new);
            sum += sr[c];
        }
        l[r] += sum;
    }
}

}  // namespace

const KernelTable& table() {
    static const KernelTable t{
        "scalar", &matmul_abt, &matmul_ab, &max, &exp_sub_sum, &exp_nonpos,  &tanh_inplace,       &sigmoid_inplace,
        &scale,   &axpy,       kPanel,     1,    &pack_b,      &gemm_packed, &online_softmax_tile};
    return t;
}

}  // namespace attn::scalar
