// kernels.hpp: the numeric building blocks of attention, each with a scalar version and
// xsimd versions for SSE2, AVX2+FMA and AVX-512 (chosen at run time) or SIMD128 (wasm).
//
// All kernels work on float. The test suite checks every backend the CPU supports
// against a scalar double-precision reference. Tolerances are stated there.
// The kernels never allocate and never throw once shapes have been checked.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attn/matrix.hpp"

namespace attn {

// One implementation of every kernel, as plain function pointers so a backend can be
// swapped at run time (tests select each one explicitly).
struct KernelTable {
    const char* name;
    // c: (m, n) = alpha · a: (m, k) · b: (n, k)ᵀ
    void (*matmul_abt)(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                       std::size_t m, std::size_t n, std::size_t k, float alpha);
    // c: (m, n) = a: (m, k) · b: (k, n)   (+ c when accumulate)
    void (*matmul_ab)(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                      std::size_t m, std::size_t n, std::size_t k, bool accumulate);
    // max of x[0..n)  (−inf for n = 0)
    float (*max)(const float* x, std::size_t n);
    // x_i ← exp(x_i − m) for x_i ≤ m (−inf → 0); returns Σ x_i. The fused softmax pass.
    float (*exp_sub_sum)(float* x, std::size_t n, float m);
    // x_i ← exp(x_i) for x_i ≤ 0
    void (*exp_nonpos)(float* x, std::size_t n);
    void (*tanh)(float* x, std::size_t n);
    void (*sigmoid)(float* x, std::size_t n);
    // y_i ← a · x_i   (y may be x)
    void (*scale)(const float* x, std::size_t n, float a, float* y);
    // y_i ← y_i + a · x_i
    void (*axpy)(float* y, float a, const float* x, std::size_t n);

    // ---- The fast path (tiled attention, multi-head projections): a packed GEMM ----
    // A right operand B (k, n) is stored in column panels of `panel` columns (a multiple of the
    // SIMD width; it is the width of the register-blocked micro-kernel): panel p holds
    // B[0..k)[p·panel .. p·panel + panel) row after row, columns past n zero, panels
    // `panel_stride` floats apart (≥ k·panel). Packed data and c rows need no alignment.
    std::size_t panel;
    // Registers rows of the micro-kernel (c is computed in blocks of micro_rows × panel).
    std::size_t micro_rows;
    // dst ← B packed, where B = b: (k, n) (row-major, ldb), or B = bᵀ with b: (n, k) when transposed.
    void (*pack_b)(const float* b, std::size_t ldb, std::size_t k, std::size_t n, bool transposed, float* dst,
                   std::size_t panel_stride);
    // c: (m, n) = a: (m, k) · B (+ c when accumulate); B packed as above. row_max, when not
    // null: row_max[i] ← the max of c row i over its n columns (fused into the kernel, so a
    // score tile needs no separate pass for the online softmax's row maxima).
    void (*gemm_packed)(const float* a, std::size_t lda, const float* bp, std::size_t panel_stride, float* c,
                        std::size_t ldc, std::size_t m, std::size_t n, std::size_t k, bool accumulate, float* row_max);
    // One online-softmax step in base 2 over a score tile s: (rows, cols) that holds log2(e)·score.
    // Per row r: m' = max(m_r, rowmax(s_r)); if m' > m_r: α = 2^(m_r − m'), l_r ← α·l_r and
    // o_r[0..o_cols) ← α·o_r (only when the max grew); then s_r ← 2^(s_r − m'), l_r += Σ s_r.
    // A row with m' = −inf (everything masked so far) becomes zeros. row_max, when not null,
    // holds rowmax(s_r) already (gemm_packed's); otherwise the kernel reads the tile for it.
    void (*online_softmax_tile)(float* s, std::size_t lds, std::size_t rows, std::size_t cols, float* m, float* l,
                                float* o, std::size_t ldo, std::size_t o_cols, const float* row_max);
};

// Backends, best first; "scalar" is always last and always available.
std::vector<std::string> available_backends();
// The backend in use ("avx512", "avx2", "sse2", "simd128" or "scalar").
const char* active_backend();
// Select a backend by name, or "auto" for the best one the CPU supports. Throws attn::Error
// naming the available ones when the name is unknown or the CPU lacks it.
void set_backend(const std::string& name);
const KernelTable& kernels();

// RAII backend selection for tests: restores the previous backend on scope exit.
class ScopedBackend {
public:
    explicit ScopedBackend(const std::string& name);
    ~ScopedBackend();
    ScopedBackend(const ScopedBackend&) = delete;
    ScopedBackend& operator=(const ScopedBackend&) = delete;

private:
    std::string previous_;
};

// Checked wrappers over the active backend.
// c: (m, n) = alpha · a: (m, k) · b: (n, k)ᵀ
void matmul_abt(ConstMatrixView a, ConstMatrixView b, MatrixView c, float alpha = 1.0f);
// c: (m, n) = a: (m, k) · b: (k, n)   (+ c when accumulate)
void matmul_ab(ConstMatrixView a, ConstMatrixView b, MatrixView c, bool accumulate = false);
// Each row: subtract its max, exponentiate, divide by the sum. −inf entries are masked and
// get weight exactly 0; a row that is entirely −inf becomes all zeros (never NaN).
void softmax_rows(MatrixView x);
void softmax_row(float* x, std::size_t n);

}  // namespace attn
