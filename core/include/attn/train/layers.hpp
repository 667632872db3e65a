// layers.hpp: the forward and backward passes the training engine is built from.
//
// Every op works on float row-major views; a batch of B sequences of length n is stacked as
// N = B·n rows. Each backward takes what its forward kept (or the forward's input) and the
// gradient of the loss with respect to the op's output, and gives:
//   - the gradient with respect to the op's input, OVERWRITTEN (residual sums are explicit:
//     add_inplace), and
//   - the gradients of the op's parameters, ACCUMULATED (+=, as PyTorch's .grad; the model
//     zeroes them before a backward pass).
// Parameter layouts are PyTorch's: a linear weight is (out, in), y = x·Wᵀ + b;
// self-attention is nn.MultiheadAttention's (in_proj_weight = [W_q; W_k; W_v]: (3E, E)).
// The matrix products run on the core's kernels (attn/kernels.hpp).
// Threads: the ops taking `threads` (0 = every core, 1 = inline; attn/parallel.hpp) split their
// work into a fixed partition that does not depend on the thread count: blocks of rows of the
// matrix products (whose kernels compute each output row on its own, in the same order) and the
// attention's (sequence, head) pairs. Reductions across rows (bias, LayerNorm and embedding
// gradients) stay on the calling thread in row order. So every result is bit for bit the same
// for any thread count, 1 included (tests/core/test_train_threads.cpp checks it). An op with
// less work than set_min_parallel_work's minimum runs inline (the hand-over would cost more).
// Deliberately not here: dropout, key-padding masks, cross-attention, autograd (each backward
// is written out by hand), parameter storage (attn/train/parameters.hpp) and the model
// (attn/train/transformer.hpp). Shapes are checked and bad input throws attn::Error; the
// values themselves are not scanned for NaN here (the model checks its inputs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/trace.hpp"

namespace attn::nn {

// The least work (multiply-adds) an op splits over threads; smaller ops run inline. Default
// 2^17 (about 10 µs on one core); tests set 0 so that every op splits. Returns the previous value.
std::size_t set_min_parallel_work(std::size_t multiply_adds);

// PyTorch's default ignore_index for cross-entropy.
inline constexpr std::int32_t kIgnoreIndex = -100;
// PyTorch's nn.LayerNorm default eps (inside the square root).
inline constexpr float kLayerNormEps = 1e-5f;

// ---- [embedding] ----------------------------------------------------------------------
// ids: N (each in [0, V))  table: (V, d)  out: (N, d)   out_i = table[ids_i]
void embedding_forward(const std::int32_t* ids, std::size_t N, ConstMatrixView table, MatrixView out);
// dout: (N, d)  dtable: (V, d)   dtable[ids_i] += dout_i
void embedding_backward(const std::int32_t* ids, ConstMatrixView dout, MatrixView dtable);

// ---- [positions] ----------------------------------------------------------------------
// table: (max_len, d)   PE(p, 2i) = sin(p / 10000^(2i/d)),  PE(p, 2i+1) = cos(p / 10000^(2i/d))
// ("Attention Is All You Need"; computed in double, rounded to float; no parameters).
void sinusoidal_table(MatrixView table);
// x: (B·n, d)  pos: (≥ n, d)   x[b·n + t] += pos[t]   (learned or sinusoidal)
void add_positions(MatrixView x, std::size_t n, ConstMatrixView pos);
// dx: (B·n, d)  dpos: (≥ n, d)   dpos[t] += Σ_b dx[b·n + t]
void add_positions_backward(ConstMatrixView dx, std::size_t n, MatrixView dpos);

// ---- [layer norm] ---------------------------------------------------------------------
// x: (N, d)  gamma, beta: d  y: (N, d)  mean, rstd: N (kept for backward)
//   μ = mean(x_i),  σ² = mean((x_i − μ)²) (biased),  rstd = 1/√(σ² + eps),
//   y_i = (x_i − μ)·rstd ⊙ gamma + beta
// μ and rstd are kept in double: rounding μ to float would cost a row whose spread is small
// next to its mean (say 3 ± 0.01) about 1e-5 of relative accuracy in y and dx.
void layer_norm_forward(ConstMatrixView x, const float* gamma, const float* beta, MatrixView y, double* mean,
                        double* rstd, std::size_t threads = 1);
// dy, dx: (N, d)   with x̂ = (x − μ)·rstd and g = dy ⊙ gamma:
//   dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)),  dgamma += Σ_rows dy ⊙ x̂,  dbeta += Σ_rows dy
void layer_norm_backward(ConstMatrixView x, const float* gamma, const double* mean, const double* rstd,
                         ConstMatrixView dy, MatrixView dx, float* dgamma, float* dbeta, std::size_t threads = 1);

// ---- [linear] -------------------------------------------------------------------------
// x: (N, in)  W: (out, in)  b: out (or null)  y: (N, out)   y = x·Wᵀ + b
void linear_forward(ConstMatrixView x, ConstMatrixView W, const float* b, MatrixView y, std::size_t threads = 1);
// dy: (N, out)  dx: (N, in) = dy·W (skipped when dx.data is null)  dW: (out, in) += dyᵀ·x
// db: out += Σ_rows dy (skipped when null). scratch holds dyᵀ: (out, N).
void linear_backward(ConstMatrixView x, ConstMatrixView W, ConstMatrixView dy, MatrixView dx, MatrixView dW, float* db,
                     Matrix& scratch, std::size_t threads = 1);

// ---- [activations] --------------------------------------------------------------------
// relu(x) = max(x, 0)  (gradient 0 at x = 0, as PyTorch);
// gelu(x) = x·Φ(x) = x/2·(1 + erf(x/√2))  (exact, PyTorch's approximate='none')
enum class Activation { relu, gelu };
const char* activation_name(Activation a);  // "relu", "gelu"
// x, y: (N, d)   y = f(x)   (y may be x)
void activation_forward(Activation a, ConstMatrixView x, MatrixView y);
// x, dy, dx: (N, d)   dx = dy ⊙ f'(x),  gelu'(x) = Φ(x) + x·φ(x)   (dx may be dy)
void activation_backward(Activation a, ConstMatrixView x, ConstMatrixView dy, MatrixView dx);

// ---- [residual] -----------------------------------------------------------------------
// y, x: (N, d)   y += x
void add_inplace(MatrixView y, ConstMatrixView x);

// ---- [multi-head self-attention] ------------------------------------------------------
// PyTorch's nn.MultiheadAttention(E, H, batch_first=True) called as mha(x, x, x), per sequence:
//   [Q | K | V] = x·in_proj_weightᵀ + in_proj_bias                 (n, 3E)
//   head h (columns h·d .. h·d + d − 1, d = E/H):  S = Q_h K_hᵀ·s,  s = 1/√d
//   P = softmax(S) by rows, causal: key j > query i gets weight 0   (n, n)
//   O_h = P V_h;  y = [O_0 | … | O_{H−1}]·out_proj_weightᵀ + out_proj_bias
struct SelfAttentionWeights {
    std::size_t heads = 1;
    ConstMatrixView in_proj_weight;        // (3E, E)
    const float* in_proj_bias = nullptr;   // 3E (or null)
    ConstMatrixView out_proj_weight;       // (E, E)
    const float* out_proj_bias = nullptr;  // E (or null)
};
struct SelfAttentionGrads {
    MatrixView in_proj_weight;       // (3E, E)  +=
    float* in_proj_bias = nullptr;   // 3E       += (skipped when null)
    MatrixView out_proj_weight;      // (E, E)   +=
    float* out_proj_bias = nullptr;  // E        += (skipped when null)
};
// What the forward keeps for the backward (and for showing the attention), and the backward's
// scratch; buffers are reused across calls of the same size.
struct SelfAttentionCache {
    std::size_t batch = 0, length = 0, heads = 0;
    Matrix qkv;                                // (B·n, 3E)  [Q | K | V]
    Matrix weights;                            // (B·H·n, n) P of sequence b, head h in rows (b·H + h)·n …
    Matrix concat;                             // (B·n, E)   heads side by side
    Matrix d_concat, d_qkv, linear_scratch;    // backward scratch
    std::vector<Matrix> d_scores, transposed;  // backward scratch, one per worker thread
    // P of sequence b, head h: (n, n)
    ConstMatrixView head_weights(std::size_t b, std::size_t h) const;
};
// x: (B·n, E)  y: (B·n, E)   n = sequence length (x.rows must be a multiple of it)
void self_attention_forward(ConstMatrixView x, std::size_t n, bool causal, const SelfAttentionWeights& w,
                            SelfAttentionCache& cache, MatrixView y, std::size_t threads = 1);
// The backward of the forward last run with this cache (on the same x), per sequence and head:
//   dV_h = Pᵀ·dO_h,  dP = dO_h·V_hᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),
//   dQ_h = dS·K_h·s,  dK_h = dSᵀ·Q_h·s
// (masked entries have P = 0, so dS = 0 there: the mask needs no second pass).
// dy: (B·n, E)  dx: (B·n, E) (overwritten)
void self_attention_backward(ConstMatrixView x, const SelfAttentionWeights& w, SelfAttentionCache& cache,
                             ConstMatrixView dy, MatrixView dx, const SelfAttentionGrads& g, std::size_t threads = 1);
// Records the backward of head h of sequence b as the last self_attention_backward with this
// cache computed it: from the forward's Q, K, V, P and the backward's dO (both kept in the
// cache), recomputed with the same kernels in the same order, so dQ, dK and dV equal the
// backward's bit for bit. Steps (attn/trace.hpp): grad_flow (dO), grad_values (dV = Pᵀ·dO), then
// query row by query row: grad_weights (dP = dO·Vᵀ; a step per cell when trace.wants_cells(),
// else one per row), grad_row_sum (r_i = Σ_j dP_ij·P_ij), grad_scores (dS = P ⊙ (dP − r), per
// cell or per row), then grad_queries (dQ = dS·K·s) and grad_keys (dK = dSᵀ·Q·s). Named matrices,
// each prefixed with `prefix`: Q, K, V, P, dO, dV, dP, dS, dQ, dK (one sequence, one head).
// Throws attn::Error when the cache holds no backward or b, h are out of range.
void trace_self_attention_head_backward(const SelfAttentionCache& cache, std::size_t b, std::size_t h, Trace& trace,
                                        const std::string& prefix = "");

// ---- [losses] -------------------------------------------------------------------------
// logits: (N, V)  targets: N (in [0, V) or kIgnoreIndex)  dlogits: (N, V)
//   loss = (1/M)·Σ_{i not ignored} (logsumexp(z_i) − z_i[t_i]),  M = number not ignored
//   dlogits_i = (softmax(z_i) − onehot(t_i))/M, and 0 on ignored rows.
// Throws when a target is out of range or when every target is ignored (PyTorch returns NaN).
float cross_entropy(ConstMatrixView logits, const std::int32_t* targets, MatrixView dlogits);
// pred: (N, 1)  target: N  dpred: (N, 1)   loss = (1/N)·Σ (pred_i − target_i)²,  dpred = 2(pred − target)/N
float mean_squared_error(ConstMatrixView pred, const float* target, MatrixView dpred);

// ---- [helpers] ------------------------------------------------------------------------
// out: (a.cols, a.rows) = aᵀ (out is resized; its allocation is reused)
void transpose(ConstMatrixView a, Matrix& out);

}  // namespace attn::nn
