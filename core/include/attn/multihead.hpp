// multihead.hpp: multi-head attention with PyTorch's nn.MultiheadAttention parameter layout,
// so weights move between attnlab and PyTorch unchanged (batch_first, one batch element).
//
//   [Q | K | V] projections:  Q = query · W_qᵀ + b_q, with in_proj_weight = [W_q; W_k; W_v] (3E, E)
//   head h uses columns h·d .. (h+1)·d − 1 of Q, K, V   (d = E / num_heads)
//   head_h = softmax(Q_h K_hᵀ / (√d · T), masked) V_h   (T: MultiHeadOptions::temperature, default 1)
//   output = concat(head_0 .. head_{H−1}) · out_proj_weightᵀ + out_proj_bias
// Per-head weights are returned (PyTorch's average_attn_weights=False), not averaged.
#pragma once

#include <cstddef>
#include <vector>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/tiled.hpp"
#include "attn/trace.hpp"

namespace attn {

struct MultiHeadParams {
    std::size_t num_heads = 1;
    Matrix in_proj_weight;             // (3E, E)
    std::vector<float> in_proj_bias;   // 3E, or empty for no bias
    Matrix out_proj_weight;            // (E, E)
    std::vector<float> out_proj_bias;  // E, or empty for no bias

    std::size_t embed_dim() const { return out_proj_weight.rows(); }
    // Throws attn::Error naming the parameter and the sizes found and expected.
    void check() const;
};

enum class Implementation { plain, tiled };

// Scratch of the fast path; lives in the result so passing the same result again reuses it.
struct MultiHeadWorkspace {
    TiledWorkspace tiled;
    Matrix packed;      // a projection's packed operand: its weights or its input, in kernel panels
    Matrix transposed;  // a projection of few rows computed transposed, (E, n) with n padded to panels
};

struct MultiHeadResult {
    Matrix output;                 // (L, E)
    std::vector<Matrix> weights;   // num_heads × (L, S); empty when not requested
    Matrix q, k, v;                // projections (L, E), (S, E), (S, E)
    Matrix concat;                 // (L, E) heads side by side, before the output projection
    MultiHeadWorkspace workspace;  // reused across calls: keep the result alive for speed
};

struct MultiHeadOptions {
    Implementation implementation = Implementation::plain;
    bool need_weights = true;        // the tiled path computes them separately when asked
    std::vector<bool> head_enabled;  // empty = all; a disabled head contributes zeros to concat
    // Divides every head's scores, as ScoreParams::temperature does for one head; the same as
    // dividing W_q and b_q by T. Checked by check_temperature (finite, ≥ FLT_MIN).
    float temperature = 1.0f;
    TileConfig tiles;  // tile sizes and tiles.threads (0 = all cores), for projections and tiled heads
};

// query: (L, E), key: (S, E), value: (S, E)
void multi_head_attention(ConstMatrixView query, ConstMatrixView key, ConstMatrixView value,
                          const MultiHeadParams& params, const Mask& mask, const MultiHeadOptions& options,
                          MultiHeadResult& result, Trace* trace = nullptr);
MultiHeadResult multi_head_attention(ConstMatrixView query, ConstMatrixView key, ConstMatrixView value,
                                     const MultiHeadParams& params, const Mask& mask = Mask::none(),
                                     const MultiHeadOptions& options = {}, Trace* trace = nullptr);

}  // namespace attn
