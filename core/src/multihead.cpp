// multihead.cpp: multi-head attention in PyTorch's nn.MultiheadAttention layout.
//
// Projections use the A·Bᵀ kernel directly on row blocks of in_proj_weight (no transposed
// copies); each head is a column block of the projected Q, K, V, so heads need no copies
// either. The plain path materialises each head's (L, S) weights; the tiled path computes
// the head output with the online softmax and only builds weights when asked.
#include "attn/multihead.hpp"

#include <cmath>

#include "attn/attention.hpp"
#include "attn/kernels.hpp"

namespace attn {

namespace {

// out: (n, E) = x: (n, E) · w: (E, E)ᵀ + b
void project(ConstMatrixView x, ConstMatrixView w, const float* bias, Matrix& out) {
    out.resize(x.rows, w.rows);
    matmul_abt(x, w, out);
    if (bias)
        for (std::size_t i = 0; i < out.rows(); ++i) kernels().axpy(out.row(i), 1.0f, bias, out.cols());
}

void check_bias(const std::vector<float>& b, std::size_t n, const char* what) {
    if (!b.empty() && b.size() != n)
        throw Error(std::string(what) + " has " + std::to_string(b.size()) + " entries, expected " + std::to_string(n));
    for (std::size_t i = 0; i < b.size(); ++i)
        if (!std::isfinite(b[i])) throw Error(std::string(what) + "[" + std::to_string(i) + "] is not finite");
}

}  // namespace

void MultiHeadParams::check() const {
    const std::size_t E = embed_dim();
    if (E == 0) throw Error("out_proj_weight is empty (expected E×E with E ≥ 1)");
    require_shape(out_proj_weight, E, E, "out_proj_weight");
    require_shape(in_proj_weight, 3 * E, E, "in_proj_weight");
    if (num_heads == 0) throw Error("num_heads must be at least 1");
    if (E % num_heads != 0)
        throw Error("num_heads " + std::to_string(num_heads) + " does not divide the embedding size " + std::to_string(E));
    check_bias(in_proj_bias, 3 * E, "in_proj_bias");
    check_bias(out_proj_bias, E, "out_proj_bias");
    require_finite(in_proj_weight, "in_proj_weight");
    require_finite(out_proj_weight, "out_proj_weight");
}

void multi_head_attention(ConstMatrixView query, ConstMatrixView key, ConstMatrixView value,
                          const MultiHeadParams& params, const Mask& mask, const MultiHeadOptions& options,
                          MultiHeadResult& result, Trace* trace) {
    params.check();
    const std::size_t E = params.embed_dim(), H = params.num_heads, d = E / H;
    require_cols(query, E, "query", "the embedding (out_proj_weight)");
    require_cols(key, E, "key", "the embedding (out_proj_weight)");
    require_cols(value, E, "value", "the embedding (out_proj_weight)");
    require_rows(value, key.rows, "value", "key");
    require_finite(query, "query");
    require_finite(key, "key");
    require_finite(value, "value");
    mask.check(query.rows, key.rows);
    require_size(query.rows, key.rows, "attention weights");
    if (!options.head_enabled.empty() && options.head_enabled.size() != H)
        throw Error("head_enabled has " + std::to_string(options.head_enabled.size()) + " entries, num_heads is " +
                    std::to_string(H));
    const std::size_t L = query.rows, S = key.rows;

    // [Q | K | V] = x · [W_q; W_k; W_v]ᵀ + [b_q; b_k; b_v]
    const ConstMatrixView w = params.in_proj_weight.view();
    const float* b = params.in_proj_bias.empty() ? nullptr : params.in_proj_bias.data();
    project(query, w.block(0, 0, E, E), b, result.q);
    project(key, w.block(E, 0, E, E), b ? b + E : nullptr, result.k);
    project(value, w.block(2 * E, 0, E, E), b ? b + 2 * E : nullptr, result.v);
    if (trace) {
        trace->set_matrix("query", query);
        trace->set_matrix("key", key);
        trace->set_matrix("value", value);
        trace->set_matrix("Q", result.q);
        trace->set_matrix("K", result.k);
        trace->set_matrix("V", result.v);
        trace->add("Project queries", "Q = query · W_qᵀ + b_q   (W_q = in_proj_weight rows 0..E−1)", {"query"}, {"Q"});
        trace->add("Project keys", "K = key · W_kᵀ + b_k   (W_k = in_proj_weight rows E..2E−1)", {"key"}, {"K"});
        trace->add("Project values", "V = value · W_vᵀ + b_v   (W_v = in_proj_weight rows 2E..3E−1)", {"value"}, {"V"});
    }

    result.concat.resize(L, E);
    result.weights.resize(options.need_weights ? H : 0);
    ScoreParams scaled;  // scaled_dot, temperature 1: s = Q_h K_hᵀ / √d
    Matrix scores, weights_tmp;
    TiledWorkspace ws;
    for (std::size_t h = 0; h < H; ++h) {
        const ConstMatrixView qh = result.q.view().block(0, h * d, L, d);
        const ConstMatrixView kh = result.k.view().block(0, h * d, S, d);
        const ConstMatrixView vh = result.v.view().block(0, h * d, S, d);
        const MatrixView oh = result.concat.view().block(0, h * d, L, d);
        const bool enabled = options.head_enabled.empty() || options.head_enabled[h];
        if (trace) trace->set_prefix("head " + std::to_string(h) + ": ");
        Matrix& wh = options.need_weights ? result.weights[h] : weights_tmp;
        if (options.implementation == Implementation::plain || options.need_weights) {
            compute_scores(qh, kh, scaled, scores, options.implementation == Implementation::plain ? trace : nullptr);
            masked_softmax(scores, mask, wh, options.implementation == Implementation::plain ? trace : nullptr);
        }
        if (!enabled) {
            for (std::size_t i = 0; i < L; ++i) std::fill(oh.row(i), oh.row(i) + d, 0.0f);
            if (trace) trace->add("Head switched off", "head_h = 0", {}, {"concat"});
        } else if (options.implementation == Implementation::plain) {
            matmul_ab(wh, vh, oh);
            if (trace) trace->add("Head output", "head_h = α_h V_h", {"weights", "V"}, {"concat"});
        } else {
            tiled_attention(qh, kh, vh, static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))), mask, oh,
                            options.tiles, trace, &ws);
        }
        if (trace) trace->set_prefix("");
    }

    // output = concat · out_proj_weightᵀ + out_proj_bias
    project(result.concat, params.out_proj_weight, params.out_proj_bias.empty() ? nullptr : params.out_proj_bias.data(),
            result.output);
    if (trace) {
        trace->set_matrix("concat", result.concat);
        trace->set_matrix("output", result.output);
        trace->add("Concatenate heads", "concat = [head_0 | head_1 | … | head_" + std::to_string(H - 1) + "]", {},
                   {"concat"});
        trace->add("Output projection", "output = concat · W_oᵀ + b_o", {"concat"}, {"output"});
    }
}

MultiHeadResult multi_head_attention(ConstMatrixView query, ConstMatrixView key, ConstMatrixView value,
                                     const MultiHeadParams& params, const Mask& mask, const MultiHeadOptions& options,
                                     Trace* trace) {
    MultiHeadResult r;
    multi_head_attention(query, key, value, params, mask, options, r, trace);
    return r;
}

}  // namespace attn
