// blas_baseline.cpp: the baseline an engineer would write with a BLAS, per head
//   s = scale · Q_h K_hᵀ (cblas_sgemm, (N, N) materialised), p = softmax(s) (attnlab's SIMD row
//   softmax, so the comparison is about the matrix products), o_h = p · V_h (cblas_sgemm).
// OpenBLAS (Debian libopenblas-dev, pthread flavour) runs its gemms on `threads` threads.
#include <cblas.h>

#include <cmath>
#include <limits>

#include "attn/kernels.hpp"
#include "attn/matrix.hpp"

extern "C" void openblas_set_num_threads(int);

void blas_attention(const attn::Matrix& q, const attn::Matrix& k, const attn::Matrix& v, std::size_t heads, bool causal,
                    std::size_t threads, attn::Matrix& scores, attn::Matrix& out) {
    openblas_set_num_threads(static_cast<int>(threads == 0 ? 1 : threads));
    const std::size_t N = q.rows(), S = k.rows(), d = q.cols() / heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    scores.resize(N, S);  // kept by the caller across calls
    const int n = static_cast<int>(N), s = static_cast<int>(S), dd = static_cast<int>(d);
    for (std::size_t h = 0; h < heads; ++h) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, s, dd, scale, q.row(0) + h * d,
                    static_cast<int>(q.stride()), k.row(0) + h * d, static_cast<int>(k.stride()), 0.0f, scores.row(0),
                    static_cast<int>(scores.stride()));
        for (std::size_t i = 0; i < N; ++i) {
            float* r = scores.row(i);
            if (causal)
                for (std::size_t j = i + 1; j < S; ++j) r[j] = -std::numeric_limits<float>::infinity();
            attn::softmax_row(r, S);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, dd, s, 1.0f, scores.row(0),
                    static_cast<int>(scores.stride()), v.row(0) + h * d, static_cast<int>(v.stride()), 0.0f,
                    out.row(0) + h * d, static_cast<int>(out.stride()));
    }
}
