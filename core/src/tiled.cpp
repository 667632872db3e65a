// tiled.cpp: attention with an online softmax over key tiles (FlashAttention's algorithm).
//
// Memory: the score tile (block_q × block_k) and two length-L vectors (m, l); the output
// itself holds the running unnormalised sums. Key tiles that no row of the query block may
// attend (causal, sliding window) are skipped without computing their scores.
#include "attn/tiled.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "attn/kernels.hpp"

namespace attn {

namespace {

std::string fmt(double x) {
    std::ostringstream s;
    s.precision(4);
    s << x;
    return s.str();
}

std::string range(std::size_t a, std::size_t b) { return std::to_string(a) + ".." + std::to_string(b - 1); }

// 1×n matrix holding x[0..n)
Matrix row_of(const float* x, std::size_t n) {
    Matrix r(1, n);
    std::copy(x, x + n, r.row(0));
    return r;
}

}  // namespace

void tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                     MatrixView out, const TileConfig& tiles, Trace* trace, TiledWorkspace* workspace) {
    require_cols(k, q.cols, "key", "query");
    require_rows(v, k.rows, "value", "key");
    require_shape(out, q.rows, v.cols, "output");
    mask.check(q.rows, k.rows);
    if (tiles.block_q == 0 || tiles.block_k == 0) throw Error("tile sizes must be at least 1");
    if (!std::isfinite(scale)) throw Error("scale must be finite, got " + fmt(scale));

    TiledWorkspace local;
    TiledWorkspace& ws = workspace ? *workspace : local;
    const std::size_t L = q.rows, S = k.rows, dv = v.cols;
    const std::size_t bq = std::min(tiles.block_q, std::max<std::size_t>(L, 1));
    const std::size_t bk = std::min(tiles.block_k, std::max<std::size_t>(S, 1));
    ws.s.resize(bq, bk);
    ws.m.resize(1, std::max<std::size_t>(L, 1));
    ws.l.resize(1, std::max<std::size_t>(L, 1));
    const KernelTable& kt = kernels();
    const float ninf = -std::numeric_limits<float>::infinity();
    float* m = ws.m.row(0);
    float* l = ws.l.row(0);
    std::vector<float> alpha_trace;  // only filled when tracing

    if (trace) {
        trace->set_matrix("Q", q);
        trace->set_matrix("K", k);
        trace->set_matrix("V", v);
    }

    for (std::size_t i0 = 0; i0 < L; i0 += bq) {
        const std::size_t nq = std::min(bq, L - i0);
        std::fill(m + i0, m + i0 + nq, ninf);
        std::fill(l + i0, l + i0 + nq, 0.0f);
        for (std::size_t r = 0; r < nq; ++r) std::fill(out.row(i0 + r), out.row(i0 + r) + dv, 0.0f);
        // Keys any row of this block may attend lie in [lo, hi).
        std::size_t lo = S, hi = 0;
        for (std::size_t r = 0; r < nq; ++r) {
            lo = std::min(lo, mask.first_key(i0 + r));
            hi = std::max(hi, mask.last_key(i0 + r, S));
        }
        for (std::size_t j0 = 0; j0 < S; j0 += bk) {
            const std::size_t nk = std::min(bk, S - j0);
            if (j0 + nk <= lo || j0 >= hi) {
                if (trace && trace->wants_rows())
                    trace->add("Skip tile: queries " + range(i0, i0 + nq) + " × keys " + range(j0, j0 + nk),
                               "every (i, j) in this tile is masked: no scores, no exponentials, no update", {}, {},
                               Focus::on_tile("weights", i0, j0, nq, nk));
                continue;
            }
            MatrixView s{ws.s.row(0), nq, nk, ws.s.stride()};
            // s = scale · q_blk k_blkᵀ
            kt.matmul_abt(q.row(i0), q.stride, k.row(j0), k.stride, s.data, s.stride, nq, nk, q.cols, scale);
            if (mask.kind() != Mask::Kind::none)
                for (std::size_t r = 0; r < nq; ++r)
                    for (std::size_t c = 0; c < nk; ++c)
                        if (!mask.allows(i0 + r, j0 + c)) s(r, c) = ninf;
            if (trace) {
                alpha_trace.assign(nq, 1.0f);
                if (trace->wants_rows())
                    trace->add("Tile scores: queries " + range(i0, i0 + nq) + " × keys " + range(j0, j0 + nk),
                               "S_tile = Q_blk K_blkᵀ · " + fmt(scale) + "  (masked entries −∞)", {"Q", "K"}, {"S_tile"},
                               Focus::on_tile("weights", i0, j0, nq, nk))
                        .snapshot("S_tile", s);
            }
            bool any = false;
            for (std::size_t r = 0; r < nq; ++r) {
                float* sr = s.row(r);
                const std::size_t i = i0 + r;
                const float m_new = std::max(m[i], kt.max(sr, nk));
                if (m_new == ninf) {  // nothing allowed in this row so far: p = 0
                    std::fill(sr, sr + nk, 0.0f);
                    continue;
                }
                any = true;
                if (m_new > m[i]) {  // rescale the running sums only when the max grows
                    const float alpha = m[i] == ninf ? 0.0f : std::exp(m[i] - m_new);
                    l[i] *= alpha;
                    kt.scale(out.row(i), dv, alpha);
                    m[i] = m_new;
                    if (trace) alpha_trace[r] = alpha;
                }
                l[i] += kt.exp_sub_sum(sr, nk, m_new);  // p = e^(s − m), l += Σ p
            }
            if (any)  // o_blk += p · v_blk
                kt.matmul_ab(s.data, s.stride, v.row(j0), v.stride, out.row(i0), out.stride, nq, dv, nk, true);
            if (trace) {
                const Focus f = Focus::on_tile("weights", i0, j0, nq, nk);
                const std::string t = " (queries " + range(i0, i0 + nq) + ", keys " + range(j0, j0 + nk) + ")";
                if (trace->wants_rows()) {
                    trace->add("Running max and rescale" + t, "m' = max(m, rowmax(S_tile));  α = exp(m − m')", {"S_tile"},
                               {"m"}, f)
                        .snapshot("m", ConstMatrixView{m + i0, 1, nq, nq})
                        .snapshot("alpha", row_of(alpha_trace.data(), nq));
                    trace->add("Exponentials and running sum" + t, "P = exp(S_tile − m');  l' = α·l + rowsum(P)",
                               {"S_tile", "m"}, {"P", "l"}, f)
                        .snapshot("P", s)
                        .snapshot("l", ConstMatrixView{l + i0, 1, nq, nq});
                    trace->add("Partial output" + t, "O' = α·O + P · V_blk", {"P", "V"}, {"O"}, f)
                        .snapshot("O", ConstMatrixView{out.row(i0), nq, dv, out.stride});
                } else {
                    trace->add("Tile" + t, "m' = max(m, rowmax(S)); α = e^(m−m'); l' = α·l + Σ e^(S−m'); O' = α·O + P·V",
                               {"Q", "K", "V"}, {"O"}, f)
                        .snapshot("O", ConstMatrixView{out.row(i0), nq, dv, out.stride});
                }
            }
        }
        // output = O / l; l = 0 means the row is fully masked: zeros, never NaN.
        for (std::size_t r = 0; r < nq; ++r) {
            const std::size_t i = i0 + r;
            if (l[i] > 0.0f)
                kt.scale(out.row(i), dv, 1.0f / l[i]);
            else
                std::fill(out.row(i), out.row(i) + dv, 0.0f);
        }
        if (trace && trace->wants_rows())
            trace->add("Normalise queries " + range(i0, i0 + nq), "o_i = O_i / l_i  (l_i = 0: fully masked, o_i = 0)",
                       {"O", "l"}, {"output"}, Focus::on_tile("output", i0, 0, nq, dv))
                .snapshot("l", ConstMatrixView{l + i0, 1, nq, nq});
    }
    if (trace) {
        trace->set_matrix("output", out);
        if (!trace->wants_rows())
            trace->add("Tiled attention", "o_i = Σ_j softmax_j(s_ij) v_j, one key tile at a time", {"Q", "K", "V"},
                       {"output"});
    }
}

Matrix tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                       const TileConfig& tiles, Trace* trace) {
    require_size(q.rows, v.cols, "output");
    Matrix out(q.rows, v.cols);
    tiled_attention(q, k, v, scale, mask, out, tiles, trace);
    return out;
}

}  // namespace attn
