// tiled.cpp: attention with an online softmax over key tiles (FlashAttention's algorithm).
//
// [SECTION] index
//   the traced path: step by step with the generic kernels, recording every tile (lessons)
//   the fast path: packed K/V, register-blocked GEMM micro-kernels, base-2 online softmax,
//                  (head, query block) tasks on the thread pool (library use, bench/)
//
// Both skip key tiles that no row of the query block may attend (causal, sliding window)
// without computing their scores, and give zeros for fully masked rows. The traced path keeps
// the score tile (block_q × block_k) and two length-L vectors (m, l), with the output holding
// the running unnormalised sums; the fast path's memory is described at its section.
#include "attn/tiled.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "attn/kernels.hpp"
#include "attn/parallel.hpp"

namespace attn {

namespace {

// %.4g, as an ostream with precision(4) prints; snprintf rather than <sstream>, whose locale
// machinery would weigh on the wasm.
std::string fmt(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", x);
    return buf;
}

std::string range(std::size_t a, std::size_t b) { return std::to_string(a) + ".." + std::to_string(b - 1); }

// 1×n matrix holding x[0..n)
Matrix row_of(const float* x, std::size_t n) {
    Matrix r(1, n);
    std::copy(x, x + n, r.row(0));
    return r;
}

// The traced path: the algorithm step by step with the generic kernels, recording every tile.
// Shapes were checked by the caller.
void traced_tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                            MatrixView out, const TileConfig& tiles, Trace* trace, TiledWorkspace& ws) {
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
                    trace->add(StepKind::tile_skipped,
                               "Skip tile: queries " + range(i0, i0 + nq) + " × keys " + range(j0, j0 + nk),
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
                    trace
                        ->add(StepKind::tile_scores,
                              "Tile scores: queries " + range(i0, i0 + nq) + " × keys " + range(j0, j0 + nk),
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
                    kt.scale(out.row(i), dv, alpha, out.row(i));
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
                    trace
                        ->add(StepKind::tile_rescale, "Running max and rescale" + t,
                              "m' = max(m, rowmax(S_tile));  α = exp(m − m')", {"S_tile"}, {"m"}, f)
                        .snapshot("m", ConstMatrixView{m + i0, 1, nq, nq})
                        .snapshot("alpha", row_of(alpha_trace.data(), nq));
                    trace
                        ->add(StepKind::tile_accumulate, "Exponentials and running sum" + t,
                              "P = exp(S_tile − m');  l' = α·l + rowsum(P)", {"S_tile", "m"}, {"P", "l"}, f)
                        .snapshot("P", s)
                        .snapshot("l", ConstMatrixView{l + i0, 1, nq, nq});
                    trace
                        ->add(StepKind::tile_output, "Partial output" + t, "O' = α·O + P · V_blk", {"P", "V"}, {"O"}, f)
                        .snapshot("O", ConstMatrixView{out.row(i0), nq, dv, out.stride});
                } else {
                    trace
                        ->add(StepKind::tile_update, "Tile" + t,
                              "m' = max(m, rowmax(S)); α = e^(m−m'); l' = α·l + Σ e^(S−m'); O' = α·O + P·V",
                              {"Q", "K", "V"}, {"O"}, f)
                        .snapshot("O", ConstMatrixView{out.row(i0), nq, dv, out.stride});
                }
            }
        }
        // output = O / l; l = 0 means the row is fully masked: zeros, never NaN.
        for (std::size_t r = 0; r < nq; ++r) {
            const std::size_t i = i0 + r;
            if (l[i] > 0.0f)
                kt.scale(out.row(i), dv, 1.0f / l[i], out.row(i));
            else
                std::fill(out.row(i), out.row(i) + dv, 0.0f);
        }
        if (trace && trace->wants_rows())
            trace
                ->add(StepKind::tile_normalise, "Normalise queries " + range(i0, i0 + nq),
                      "o_i = O_i / l_i  (l_i = 0: fully masked, o_i = 0)", {"O", "l"}, {"output"},
                      Focus::on_tile("output", i0, 0, nq, dv))
                .snapshot("l", ConstMatrixView{l + i0, 1, nq, nq});
    }
    if (trace) {
        trace->set_matrix("output", out);
        if (!trace->wants_rows())
            trace->add(StepKind::tiled, "Tiled attention", "o_i = Σ_j softmax_j(s_ij) v_j, one key tile at a time",
                       {"Q", "K", "V"}, {"output"});
    }
}

// [SECTION] the fast path
//
// Each task is one (head, query block). A thread packs K and V of the head it works on into
// its own scratch, in the kernel's column panels (K transposed, so the scores tile is a plain
// packed GEMM: S = Q_blk · K_blkᵀ), when its previous task was on another head. The task
// scales its queries by scale·log2(e) (so the softmax runs in base 2 with the 5-FMA exp2),
// then for each key tile: scores GEMM, mask, online softmax, P·V GEMM into an output
// accumulator of the padded head width.
//
// Tasks of one head are consecutive and the pool gives each thread a contiguous share, so a
// thread packs each of its heads once (plus once for a head it steals tasks from at the end).
// The packed head (2·S·d floats: 512 KiB at S = 1024, d = 64) then stays in that core's L2
// instead of all heads' panels (H times more) passing through the shared L3 (timings:
// docs/PERFORMANCE-NOTES.md).
//
// Threads write disjoint rows of the output and every task computes the same thing whoever
// runs it, so the result does not depend on the thread count. Nothing is allocated once the
// workspace has grown to the largest call seen.

constexpr float kLog2e = 1.4426950408889634f;

std::size_t round_up(std::size_t x, std::size_t m) { return (x + m - 1) / m * m; }

// Per-thread scratch layout inside one flat buffer; every part starts 64-byte aligned.
struct ScratchLayout {
    std::size_t k, v, q, s, o, m, l, rm, total;
    ScratchLayout(std::size_t k_size, std::size_t v_size, std::size_t bq, std::size_t bkp, std::size_t d,
                  std::size_t dvp) {
        k = 0;  // one head's packed K (k_size) and V (v_size)
        v = k + round_up(k_size, 16);
        q = v + round_up(v_size, 16);
        s = q + round_up(bq * d, 16);
        o = s + round_up(bq * bkp, 16);
        m = o + round_up(bq * dvp, 16);
        l = m + round_up(bq, 16);
        rm = l + round_up(bq, 16);  // a score tile's row maxima
        total = rm + round_up(bq, 16);
    }
};

// Matrix as a flat float buffer of at least n floats, kept across calls.
float* flat(Matrix& buf, std::size_t n) {
    if (buf.rows() != 1 || buf.cols() < n) buf.resize(1, std::max<std::size_t>(n, 1));
    return buf.row(0);
}

// s_tile rows get −inf where the mask forbids (i0 + r, j0 + c).
void apply_mask(const Mask& mask, std::size_t i0, std::size_t nq, std::size_t j0, std::size_t nk, std::size_t n_keys,
                float* s, std::size_t lds) {
    const float ninf = -std::numeric_limits<float>::infinity();
    if (mask.kind() == Mask::Kind::none) return;
    if (mask.is_key_range()) {
        for (std::size_t r = 0; r < nq; ++r) {  // row i attends [first, last): fill outside it
            const std::size_t first = mask.first_key(i0 + r), last = mask.last_key(i0 + r, n_keys);
            float* sr = s + r * lds;
            for (std::size_t c = 0; c < nk && j0 + c < first; ++c) sr[c] = ninf;
            for (std::size_t c = last > j0 ? last - j0 : 0; c < nk; ++c) sr[c] = ninf;
        }
        return;
    }
    for (std::size_t r = 0; r < nq; ++r)
        for (std::size_t c = 0; c < nk; ++c)
            if (!mask.allows(i0 + r, j0 + c)) s[r * lds + c] = ninf;
}

// Prefetches part `part` of `parts` of the cache lines of rows × bytes at base (row stride
// `stride` floats); write = prefetch for writing.
void prefetch_rows(const float* base, std::size_t stride, std::size_t rows, std::size_t bytes, std::size_t part,
                   std::size_t parts, bool write) {
#if defined(__GNUC__)
    const std::size_t per_row = (bytes + 63) / 64, lines = rows * per_row;
    const std::size_t a = lines * part / parts, b = lines * (part + 1) / parts;
    for (std::size_t x = a; x < b; ++x) {
        const char* line = reinterpret_cast<const char*>(base + (x / per_row) * stride) + (x % per_row) * 64;
        if (write)
            __builtin_prefetch(line, 1, 3);
        else
            __builtin_prefetch(line, 0, 3);
    }
#else
    (void)base, (void)stride, (void)rows, (void)bytes, (void)part, (void)parts, (void)write;
#endif
}

struct FastPlan {
    std::size_t L, S, H, d, dv, P, bq, bk, dvp, q_blocks, k_panels, v_panels, k_size, v_size;
    float q_scale;  // scale · log2(e)
    ScratchLayout layout() const { return ScratchLayout(k_size, v_size, bq, bk, d, dvp); }
};

// Packs K_h transposed (d × S in key panels) and V_h (S × d_v in column panels) into scratch.
void pack_head(const FastPlan& p, const KernelTable& kt, ConstMatrixView k, ConstMatrixView v, float* scratch,
               std::size_t h) {
    const ScratchLayout lay = p.layout();
    kt.pack_b(k.row(0) + h * p.d, k.stride, p.d, p.S, true, scratch + lay.k, p.d * p.P);
    kt.pack_b(v.row(0) + h * p.dv, v.stride, p.S, p.dv, false, scratch + lay.v, p.S * p.P);
}

// One (head, query block) task; scratch holds head h's packed K and V.
void attend_block(const FastPlan& p, const KernelTable& kt, ConstMatrixView q, const Mask& mask, MatrixView out,
                  float* scratch, std::size_t h, std::size_t qb) {
    const ScratchLayout lay = p.layout();
    float* qs = scratch + lay.q;
    float* s = scratch + lay.s;
    float* o = scratch + lay.o;
    float* m = scratch + lay.m;
    float* l = scratch + lay.l;
    float* rm = scratch + lay.rm;
    const std::size_t i0 = qb * p.bq, nq = std::min(p.bq, p.L - i0);
    const float* kh = scratch + lay.k;  // panels of d × P
    const float* vh = scratch + lay.v;  // panels of S × P

    // q_blk · scale · log2(e), so 2^(s − m) below is e^(scale·q·k − m·ln 2)
    for (std::size_t r = 0; r < nq; ++r) kt.scale(q.row(i0 + r) + h * p.d, p.d, p.q_scale, qs + r * p.d);
    std::fill(o, o + nq * p.dvp, 0.0f);
    std::fill(m, m + nq, -std::numeric_limits<float>::infinity());
    std::fill(l, l + nq, 0.0f);

    // Keys any row of this block may attend lie in [lo, hi): tiles outside are skipped. Under a
    // mask of key ranges (Mask::is_key_range) every row attends [in_lo, in_hi): a tile inside
    // it has no masked score, so the scores GEMM gives the row maxima from its registers and the
    // softmax does not read the tile for them.
    std::size_t lo = p.S, hi = 0, in_lo = 0, in_hi = p.S;
    for (std::size_t r = 0; r < nq; ++r) {
        const std::size_t first = mask.first_key(i0 + r), last = mask.last_key(i0 + r, p.S);
        lo = std::min(lo, first);
        hi = std::max(hi, last);
        in_lo = std::max(in_lo, first);
        in_hi = std::min(in_hi, last);
    }
    // While the tiles run, bring in the output rows this block writes at the end and the query
    // rows of the next block (a thread's next task): both are 256-byte pieces of rows 2 KiB
    // apart (8 heads × 64), which the hardware prefetchers do not follow, so unprefetched they
    // cost a cache miss per line (a few percent of the time: docs/PERFORMANCE-NOTES.md).
    const std::size_t first_tile = lo / p.P * p.P, tiles = (hi - first_tile + p.bk - 1) / p.bk;
    const std::size_t next_i0 = i0 + p.bq, next_nq = next_i0 < p.L ? std::min(p.bq, p.L - next_i0) : 0;
    for (std::size_t j0 = first_tile, t = 0; j0 < hi; j0 += p.bk, ++t) {
        const std::size_t nk = std::min(p.bk, hi - j0);
        // in three doses per tile (before each kernel), so a block of one tile does not stall on
        // a full miss queue
        const auto prefetch = [&](std::size_t dose) {
            prefetch_rows(out.row(i0) + h * p.dv, out.stride, nq, p.dv * sizeof(float), 3 * t + dose, 3 * tiles, true);
            if (next_nq)
                prefetch_rows(q.row(next_i0) + h * p.d, q.stride, next_nq, p.d * sizeof(float), 3 * t + dose, 3 * tiles,
                              false);
        };
        prefetch(0);
        // s: (nq, nk) = qs · K_tileᵀ   (whole panels: the padded keys score 0 and are not read;
        // with the row maxima, exactly nk columns so the padding stays out of them)
        const bool unmasked = mask.is_key_range() && j0 >= in_lo && j0 + nk <= in_hi;
        const float* kp = kh + (j0 / p.P) * p.d * p.P;
        if (unmasked) {
            kt.gemm_packed(qs, p.d, kp, p.d * p.P, s, p.bk, nq, nk, p.d, false, rm);
        } else {
            kt.gemm_packed(qs, p.d, kp, p.d * p.P, s, p.bk, nq, round_up(nk, p.P), p.d, false, nullptr);
            apply_mask(mask, i0, nq, j0, nk, p.S, s, p.bk);
        }
        prefetch(1);
        kt.online_softmax_tile(s, p.bk, nq, nk, m, l, o, p.dvp, p.dvp, unmasked ? rm : nullptr);
        prefetch(2);
        // o += p_tile · V_tile   (V rows j0 .. j0 + nk of every panel)
        kt.gemm_packed(s, p.bk, vh + j0 * p.P, p.S * p.P, o, p.dvp, nq, p.dvp, nk, true, nullptr);
    }
    // output = o / l; l = 0 means the row is fully masked: zeros, never NaN.
    for (std::size_t r = 0; r < nq; ++r)
        kt.scale(o + r * p.dvp, p.dv, l[r] > 0.0f ? 1.0f / l[r] : 0.0f, out.row(i0 + r) + h * p.dv);
}

void fast_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, std::size_t heads, float scale,
                    const Mask& mask, MatrixView out, const TileConfig& tiles, TiledWorkspace& ws) {
    const KernelTable& kt = kernels();
    FastPlan p{};
    p.L = q.rows;
    p.S = k.rows;
    p.H = heads;
    p.d = q.cols / heads;
    p.dv = v.cols / heads;
    p.P = kt.panel;
    if (p.L == 0 || p.dv == 0) return;
    // A query block at least one micro-kernel high; key tiles whole panels (tiles start at panel edges).
    p.bq = std::min(tiles.block_q, p.L);
    p.bk = round_up(std::min(tiles.block_k, std::max<std::size_t>(p.S, 1)), p.P);
    p.dvp = round_up(p.dv, p.P);
    p.q_blocks = (p.L + p.bq - 1) / p.bq;
    p.k_panels = (p.S + p.P - 1) / p.P;
    p.v_panels = p.dvp / p.P;
    p.q_scale = scale * kLog2e;
    p.k_size = p.k_panels * p.d * p.P;
    p.v_size = p.v_panels * p.S * p.P;
    if (p.S == 0) {  // nothing to attend: every row is fully masked
        for (std::size_t i = 0; i < p.L; ++i) std::fill(out.row(i), out.row(i) + p.H * p.dv, 0.0f);
        return;
    }

    const std::size_t threads = std::min(resolve_threads(tiles.threads), p.H * p.q_blocks);
    if (ws.scratch.size() < threads) ws.scratch.resize(threads);
    for (std::size_t t = 0; t < threads; ++t) flat(ws.scratch[t], p.layout().total);
    // The head each thread's scratch holds; none yet (K and V are new on every call).
    ws.packed_head.assign(threads, p.H);
    parallel_for(p.H * p.q_blocks, threads, [&](std::size_t task, std::size_t worker) {
        const std::size_t h = task / p.q_blocks;
        float* scratch = ws.scratch[worker].row(0);
        if (ws.packed_head[worker] != h) {
            pack_head(p, kt, k, v, scratch, h);
            ws.packed_head[worker] = h;
        }
        attend_block(p, kt, q, mask, out, scratch, h, task % p.q_blocks);
    });
}

void check_tiled_args(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                      MatrixView out, const TileConfig& tiles) {
    require_cols(k, q.cols, "key", "query");
    require_rows(v, k.rows, "value", "key");
    require_shape(out, q.rows, v.cols, "output");
    // Threads pack K and V while others write output rows, and the traced path writes each
    // query block's rows before it reads K and V for the next: the output must be its own memory.
    if (overlaps(out, k)) throw Error("output", "overlaps key: pass a separate output matrix");
    if (overlaps(out, v)) throw Error("output", "overlaps value: pass a separate output matrix");
    mask.check(q.rows, k.rows);
    if (tiles.block_q == 0 || tiles.block_k == 0) throw Error("tiles", "block_q and block_k must be at least 1");
    if (!std::isfinite(scale)) throw Error("scale", "must be finite, got " + fmt(scale));
}

}  // namespace

void tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                     MatrixView out, const TileConfig& tiles, Trace* trace, TiledWorkspace* workspace) {
    check_tiled_args(q, k, v, scale, mask, out, tiles);
    TiledWorkspace local;
    TiledWorkspace& ws = workspace ? *workspace : local;
    if (trace)
        traced_tiled_attention(q, k, v, scale, mask, out, tiles, trace, ws);
    else
        fast_attention(q, k, v, 1, scale, mask, out, tiles, ws);
}

void tiled_attention_heads(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, std::size_t num_heads, float scale,
                           const Mask& mask, MatrixView out, const TileConfig& tiles, TiledWorkspace* workspace) {
    check_tiled_args(q, k, v, scale, mask, out, tiles);
    if (num_heads == 0) throw Error("num_heads", "must be at least 1");
    if (q.cols % num_heads != 0)
        throw Error("num_heads",
                    std::to_string(num_heads) + " does not divide the query width " + std::to_string(q.cols));
    if (v.cols % num_heads != 0)
        throw Error("num_heads",
                    std::to_string(num_heads) + " does not divide the value width " + std::to_string(v.cols));
    TiledWorkspace local;
    fast_attention(q, k, v, num_heads, scale, mask, out, tiles, workspace ? *workspace : local);
}

Matrix tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                       const TileConfig& tiles, Trace* trace) {
    require_size(q.rows, v.cols, "output");
    Matrix out(q.rows, v.cols);
    tiled_attention(q, k, v, scale, mask, out, tiles, trace);
    return out;
}

}  // namespace attn
