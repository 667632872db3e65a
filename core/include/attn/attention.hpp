// attention.hpp: single-head attention with five score functions.
//
//   scores_ij  = score(q_i, k_j) / T                 (T: temperature, > 0)
//   weights_i  = softmax over allowed j of scores_i  (masked j get weight 0)
//   output_i   = Σ_j weights_ij · v_j
//
// Score functions (q: (L, d_q), k: (S, d_k), v: (S, d_v)):
//   dot          q_i · k_j                                   d_q = d_k
//   scaled_dot   q_i · k_j / √d_k                            d_q = d_k
//   general      q_iᵀ W k_j          W: (d_q, d_k)
//   additive     vᵀ tanh(W_q q_i + W_k k_j)   W_q: (h, d_q), W_k: (h, d_k), v: h   (Bahdanau)
//   cosine       q_i · k_j / (‖q_i‖ ‖k_j‖)  (0 when either vector is zero)   d_q = d_k
// Self-attention is the case q = k = v.
#pragma once

#include <string>
#include <vector>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/trace.hpp"

namespace attn {

enum class Score { dot, scaled_dot, general, additive, cosine };

const char* score_name(Score s);  // "dot", "scaled_dot", ...
// Throws attn::Error listing the valid names.
Score parse_score(const std::string& name);

// The temperature T divides scores, so 1/T must be a finite float: T finite and ≥ FLT_MIN
// (about 1.2e-38; this also rules out T ≤ 0 and NaN). Throws attn::Error with field "temperature".
// Single-head (ScoreParams) and multi-head (MultiHeadOptions) attention both check with it.
void check_temperature(float temperature);

struct ScoreParams {
    Score kind = Score::scaled_dot;
    float temperature = 1.0f;
    Matrix W;              // general: (d_q, d_k)
    Matrix W_q, W_k;       // additive: (h, d_q), (h, d_k)
    std::vector<float> v;  // additive: h

    // Throws attn::Error naming the parameter and sizes when they do not fit d_q, d_k.
    void check(std::size_t d_q, std::size_t d_k) const;
};

struct AttentionResult {
    Matrix scores;   // (L, S) after the temperature, before masking
    Matrix weights;  // (L, S)
    Matrix output;   // (L, d_v)
};

// The checks every attention entry point makes on its inputs: value has as many rows as key,
// query, key and value are finite, and the mask fits L × S. Throws attn::Error.
void check_attention_inputs(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const Mask& mask);

// scores: (L, S) = score(q, k) / T. Does not apply the mask.
void compute_scores(ConstMatrixView q, ConstMatrixView k, const ScoreParams& params, Matrix& scores,
                    Trace* trace = nullptr);

// weights: (L, S) = masked row softmax of scores.
void masked_softmax(ConstMatrixView scores, const Mask& mask, Matrix& weights, Trace* trace = nullptr);

// The whole single-head computation. Reuses result's buffers when their capacity allows
// (pass the same result object across calls to avoid allocation).
void attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const ScoreParams& params, const Mask& mask,
               AttentionResult& result, Trace* trace = nullptr);
AttentionResult attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const ScoreParams& params,
                          const Mask& mask = Mask::none(), Trace* trace = nullptr);

}  // namespace attn
