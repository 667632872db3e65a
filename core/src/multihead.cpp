// multihead.cpp: multi-head attention in PyTorch's nn.MultiheadAttention layout.
//
// Projections run on the packed-GEMM micro-kernels of the fast path (the weights packed, the
// inputs read in place); each head is a column block of the projected Q, K, V, so heads need
// no copies. The plain path
// materialises each head's (L, S) weights; the tiled path without a trace runs every head at
// once on the thread pool (tiled_attention_heads) and only builds weights when asked. Scratch
// lives in MultiHeadResult::workspace: pass the same result again and nothing is allocated.
#include "attn/multihead.hpp"

#include <algorithm>
#include <cmath>

#include "attn/attention.hpp"
#include "attn/kernels.hpp"
#include "attn/parallel.hpp"

namespace attn {

namespace {

std::size_t round_up(std::size_t x, std::size_t m) { return (x + m - 1) / m * m; }

float* flat(Matrix& buf, std::size_t n) {
    if (buf.rows() != 1 || buf.cols() < n) buf.resize(1, std::max<std::size_t>(n, 1));
    return buf.row(0);
}

// project() for few rows: outᵀ = w · xᵀ, so the weights are read in place (broadcast rows)
// and only the input is packed; the result is transposed back with the bias.
void project_transposed(ConstMatrixView x, ConstMatrixView w, const float* bias, Matrix& out, MultiHeadWorkspace& ws,
                        std::size_t threads) {
    const KernelTable& kt = kernels();
    const std::size_t n = x.rows, e_in = x.cols, e_out = w.rows, P = kt.panel, np = round_up(n, P);
    float* xp = flat(ws.packed, np * e_in);
    float* ct = flat(ws.transposed, e_out * np);
    const std::size_t panels = np / P;
    const std::size_t t = resolve_threads(threads);
    // B = xᵀ: (E_in, n) in panels of P tokens
    parallel_for(panels, t, [&](std::size_t pi, std::size_t) {
        kt.pack_b(x.row(pi * P), x.stride, e_in, std::min(P, n - pi * P), true, xp + pi * e_in * P, e_in * P);
    });
    // ct: (E_out, np) = w · xᵀ, in row chunks of 4 micro-kernels so two threads balance
    const std::size_t chunk = 4 * kt.micro_rows, chunks = (e_out + chunk - 1) / chunk;
    parallel_for(chunks, t, [&](std::size_t ci, std::size_t) {
        const std::size_t r0 = ci * chunk, rows = std::min(chunk, e_out - r0);
        kt.gemm_packed(w.row(r0), w.stride, xp, e_in * P, ct + r0 * np, np, rows, np, e_in, false, nullptr);
    });
    // out = ctᵀ + b, in 16 × 16 blocks so reads and writes both stay in cache lines
    constexpr std::size_t B = 16;
    parallel_for((n + B - 1) / B, t, [&](std::size_t bi, std::size_t) {
        const std::size_t i0 = bi * B, i1 = std::min(n, i0 + B);
        for (std::size_t j0 = 0; j0 < e_out; j0 += B) {
            const std::size_t j1 = std::min(e_out, j0 + B);
            for (std::size_t i = i0; i < i1; ++i) {
                float* o = out.row(i);
                for (std::size_t j = j0; j < j1; ++j) o[j] = ct[j * np + i] + (bias ? bias[j] : 0.0f);
            }
        }
    });
}

// project() for many rows: wᵀ is packed into column panels and the rows of x are read in
// place, so the output is written once, row-major, starting from its bias.
void project_direct(ConstMatrixView x, ConstMatrixView w, const float* bias, Matrix& out, MultiHeadWorkspace& ws,
                    std::size_t threads) {
    const KernelTable& kt = kernels();
    const std::size_t n = x.rows, e_in = x.cols, e_out = w.rows, P = kt.panel;
    const std::size_t panels = (e_out + P - 1) / P;
    float* wp = flat(ws.packed, panels * e_in * P);
    const std::size_t t = resolve_threads(threads);
    // B = wᵀ: (E_in, E_out) in panels of P output columns
    parallel_for(panels, t, [&](std::size_t pi, std::size_t) {
        kt.pack_b(w.row(pi * P), w.stride, e_in, std::min(P, e_out - pi * P), true, wp + pi * e_in * P, e_in * P);
    });
    // out = b + x · wᵀ in row chunks (each passes over every panel) of up to 8 micro-kernels,
    // fewer when n is small so every thread gets about 4 chunks
    const std::size_t mr = kt.micro_rows;
    const std::size_t chunk = std::max(mr, std::min(8 * mr, round_up((n + 4 * t - 1) / (4 * t), mr)));
    const std::size_t chunks = (n + chunk - 1) / chunk;
    parallel_for(chunks, t, [&](std::size_t ci, std::size_t) {
        const std::size_t r0 = ci * chunk, rows = std::min(chunk, n - r0);
        for (std::size_t i = r0; i < r0 + rows; ++i) {
            float* o = out.row(i);
            if (bias)
                std::copy(bias, bias + e_out, o);
            else
                std::fill(o, o + e_out, 0.0f);
        }
        kt.gemm_packed(x.row(r0), x.stride, wp, e_in * P, out.row(r0), out.stride(), rows, e_out, e_in, true, nullptr);
    });
}

// out: (n, E_out) = x: (n, E_in) · w: (E_out, E_in)ᵀ + b, with the packed-GEMM micro-kernels.
// One operand is packed into kernel panels on every call (nothing depends on the weights
// staying unchanged between calls): the weights (E_in·E_out floats) when n is large, the input
// (n·E_in, plus n·E_out to transpose the result back) when that moves fewer floats: packing the
// weights pays off over many rows, while for a few rows packing 1 MiB of weights (E = 512) per
// projection outweighs the rows themselves (timings: docs/PERFORMANCE-NOTES.md).
void project(ConstMatrixView x, ConstMatrixView w, const float* bias, Matrix& out, MultiHeadWorkspace& ws,
             std::size_t threads) {
    const std::size_t n = x.rows, e_in = x.cols, e_out = w.rows;
    out.resize(n, e_out);
    if (n == 0 || e_out == 0) return;
    if (n * (e_in + e_out) < e_in * e_out)
        project_transposed(x, w, bias, out, ws, threads);
    else
        project_direct(x, w, bias, out, ws, threads);
}

void check_bias(const std::vector<float>& b, std::size_t n, const char* what) {
    if (!b.empty() && b.size() != n)
        throw Error(what, "has " + std::to_string(b.size()) + " entries, expected " + std::to_string(n));
    for (std::size_t i = 0; i < b.size(); ++i)
        if (!std::isfinite(b[i])) throw Error(what, "[" + std::to_string(i) + "] is not finite");
}

}  // namespace

void MultiHeadParams::check() const {
    const std::size_t E = embed_dim();
    if (E == 0) throw Error("out_proj_weight", "is empty (expected E×E with E ≥ 1)");
    require_shape(out_proj_weight, E, E, "out_proj_weight");
    require_shape(in_proj_weight, 3 * E, E, "in_proj_weight");
    if (num_heads == 0) throw Error("num_heads", "must be at least 1");
    if (E % num_heads != 0)
        throw Error("num_heads",
                    std::to_string(num_heads) + " does not divide the embedding size " + std::to_string(E));
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
    check_attention_inputs(query, key, value, mask);
    require_size(query.rows, key.rows, "weights");
    if (!options.head_enabled.empty() && options.head_enabled.size() != H)
        throw Error("head_enabled", "has " + std::to_string(options.head_enabled.size()) + " entries, num_heads is " +
                                        std::to_string(H));
    check_temperature(options.temperature);
    const std::size_t L = query.rows, S = key.rows;

    MultiHeadWorkspace& ws = result.workspace;
    const std::size_t threads = options.tiles.threads;
    // [Q | K | V] = x · [W_q; W_k; W_v]ᵀ + [b_q; b_k; b_v]
    const ConstMatrixView w = params.in_proj_weight.view();
    const float* b = params.in_proj_bias.empty() ? nullptr : params.in_proj_bias.data();
    project(query, w.block(0, 0, E, E), b, result.q, ws, threads);
    project(key, w.block(E, 0, E, E), b ? b + E : nullptr, result.k, ws, threads);
    project(value, w.block(2 * E, 0, E, E), b ? b + 2 * E : nullptr, result.v, ws, threads);
    if (trace) {
        trace->set_matrix("query", query);
        trace->set_matrix("key", key);
        trace->set_matrix("value", value);
        trace->set_matrix("Q", result.q);
        trace->set_matrix("K", result.k);
        trace->set_matrix("V", result.v);
        trace->add(StepKind::projection, "Project queries",
                   "Q = query · W_qᵀ + b_q   (W_q = in_proj_weight rows 0..E−1)", {"query"}, {"Q"});
        trace->add(StepKind::projection, "Project keys", "K = key · W_kᵀ + b_k   (W_k = in_proj_weight rows E..2E−1)",
                   {"key"}, {"K"});
        trace->add(StepKind::projection, "Project values",
                   "V = value · W_vᵀ + b_v   (W_v = in_proj_weight rows 2E..3E−1)", {"value"}, {"V"});
    }

    result.concat.resize(L, E);
    result.weights.resize(options.need_weights ? H : 0);
    ScoreParams scaled;  // scaled_dot: s = Q_h K_hᵀ / (√d · T)
    scaled.temperature = options.temperature;
    Matrix scores, weights_tmp;
    // The tiled path's score scale, rounded once from double as compute_scores rounds its own,
    // so both implementations multiply by the same float.
    const float scale = static_cast<float>(1.0 / (std::sqrt(static_cast<double>(d)) * options.temperature));
    // The fast path: every head at once, heads × query blocks over the thread pool.
    const bool all_heads_fast = options.implementation == Implementation::tiled && !trace;
    if (all_heads_fast)
        tiled_attention_heads(result.q, result.k, result.v, H, scale, mask, result.concat, options.tiles, &ws.tiled);
    for (std::size_t h = 0; h < H; ++h) {
        const bool enabled = options.head_enabled.empty() || options.head_enabled[h];
        if (all_heads_fast && !options.need_weights && enabled) continue;
        const ConstMatrixView qh = result.q.view().block(0, h * d, L, d);
        const ConstMatrixView kh = result.k.view().block(0, h * d, S, d);
        const ConstMatrixView vh = result.v.view().block(0, h * d, S, d);
        const MatrixView oh = result.concat.view().block(0, h * d, L, d);
        if (trace) trace->begin_head(h);
        Matrix& wh = options.need_weights ? result.weights[h] : weights_tmp;
        if (options.implementation == Implementation::plain || options.need_weights) {
            compute_scores(qh, kh, scaled, scores, options.implementation == Implementation::plain ? trace : nullptr);
            masked_softmax(scores, mask, wh, options.implementation == Implementation::plain ? trace : nullptr);
        }
        if (!enabled) {
            for (std::size_t i = 0; i < L; ++i) std::fill(oh.row(i), oh.row(i) + d, 0.0f);
            if (trace) trace->add(StepKind::head_off, "Head switched off", "head_h = 0", {}, {"concat"});
        } else if (options.implementation == Implementation::plain) {
            matmul_ab(wh, vh, oh);
            if (trace)
                trace->add(StepKind::head_output, "Head output", "head_h = α_h V_h", {"weights", "V"}, {"concat"});
        } else if (!all_heads_fast) {
            tiled_attention(qh, kh, vh, scale, mask, oh, options.tiles, trace, &ws.tiled);
        }
        if (trace) trace->end_head();
    }

    // output = concat · out_proj_weightᵀ + out_proj_bias
    project(result.concat, params.out_proj_weight, params.out_proj_bias.empty() ? nullptr : params.out_proj_bias.data(),
            result.output, ws, threads);
    if (trace) {
        trace->set_matrix("concat", result.concat);
        trace->set_matrix("output", result.output);
        trace->add(StepKind::concat, "Concatenate heads",
                   "concat = [head_0 | head_1 | … | head_" + std::to_string(H - 1) + "]", {}, {"concat"});
        trace->add(StepKind::projection, "Output projection", "output = concat · W_oᵀ + b_o", {"concat"}, {"output"});
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
