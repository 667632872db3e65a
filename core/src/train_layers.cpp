// train_layers.cpp: forward and backward of the training engine's ops; see attn/train/layers.hpp.
//
// Row loops are plain C++ (the compiler vectorises them); the matrix products go through the
// core's kernels (matmul_abt, matmul_ab), which run on the best SIMD backend.
#include "attn/train/layers.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>

#include "attn/kernels.hpp"
#include "attn/parallel.hpp"

namespace attn::nn {
namespace {

std::string str(std::size_t x) { return std::to_string(x); }

void require_same_shape(ConstMatrixView a, ConstMatrixView b, const char* what_a, const char* what_b) {
    if (a.rows != b.rows || a.cols != b.cols)
        throw Error(std::string(what_a) + " is " + shape_string(a.rows, a.cols) + ", " + what_b + " is " +
                    shape_string(b.rows, b.cols));
}

void require_sequences(std::size_t rows, std::size_t n, const char* what) {
    if (n == 0) throw Error(std::string("sequence length of ") + what + " must be at least 1");
    if (rows % n != 0)
        throw Error(std::string(what) + " has " + str(rows) + " rows, not a whole number of sequences of length " +
                    str(n));
}

// Rows of a matrix product per task. The partition is fixed (it does not depend on the thread
// count) and the kernels compute each row on its own, so any split gives the same bits; 16 rows
// of a (N, 32..128) activation are a few kilobytes, enough work to outweigh handing out a task.
constexpr std::size_t kRowsPerTask = 16;

// Below this many multiply-adds an op runs inline whatever the thread count: a region costs
// the pool a hand-over to a worker and back (about a microsecond each when the worker is
// polling, a scheduler tick when the machine is busy), which a few microseconds of work do not
// repay. 2^17 multiply-adds are about 10 µs on one AVX2 core. Running inline changes no bits
// (the partition's blocks give the same rows as one call).
constexpr std::size_t kMinParallelWork = std::size_t{1} << 17;
std::atomic<std::size_t> g_min_parallel_work{kMinParallelWork};

// body(first, last, worker) for the blocks [first, last) of `per_task` items covering [0, count),
// on resolve_threads(threads) threads; inline (one call for the whole range) on one thread or
// when count · work_per_item is below the minimum (kMinParallelWork unless set_min_parallel_work). The lambda given to
// parallel_for holds one reference, so std::function stores it in place: no allocation per call.
template <class Body>
void for_blocks(std::size_t count, std::size_t per_task, std::size_t work_per_item, std::size_t threads,
                const Body& body) {
    const std::size_t tasks = (count + per_task - 1) / per_task;
    if (tasks <= 1 || resolve_threads(threads) <= 1 ||
        count * work_per_item < g_min_parallel_work.load(std::memory_order_relaxed)) {
        if (count > 0) body(std::size_t{0}, count, std::size_t{0});
        return;
    }
    struct Job {
        const Body* body;
        std::size_t count, per_task;
    } job{&body, count, per_task};
    parallel_for(tasks, threads, [&job](std::size_t t, std::size_t worker) {
        const std::size_t first = t * job.per_task;
        (*job.body)(first, std::min(job.count, first + job.per_task), worker);
    });
}

}  // namespace

std::size_t set_min_parallel_work(std::size_t multiply_adds) { return g_min_parallel_work.exchange(multiply_adds); }

// ---- [helpers] ------------------------------------------------------------------------

void transpose(ConstMatrixView a, Matrix& out) {
    out.resize(a.cols, a.rows);
    for (std::size_t i = 0; i < a.rows; ++i) {
        const float* r = a.row(i);
        for (std::size_t j = 0; j < a.cols; ++j) out(j, i) = r[j];
    }
}

void add_inplace(MatrixView y, ConstMatrixView x) {
    require_same_shape(y, x, "residual sum", "residual branch");
    for (std::size_t i = 0; i < y.rows; ++i) {
        float* yi = y.row(i);
        const float* xi = x.row(i);
        for (std::size_t j = 0; j < y.cols; ++j) yi[j] += xi[j];
    }
}

// ---- [embedding] ----------------------------------------------------------------------

void embedding_forward(const std::int32_t* ids, std::size_t N, ConstMatrixView table, MatrixView out) {
    require_shape(out, N, table.cols, "embedding output");
    for (std::size_t i = 0; i < N; ++i) {
        if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= table.rows)
            throw Error("token id " + std::to_string(ids[i]) + " at index " + str(i) +
                        " is outside the vocabulary [0, " + str(table.rows) + ")");
        std::copy(table.row(ids[i]), table.row(ids[i]) + table.cols, out.row(i));
    }
}

void embedding_backward(const std::int32_t* ids, ConstMatrixView dout, MatrixView dtable) {
    require_cols(dout, dtable.cols, "embedding output gradient", "the embedding table");
    for (std::size_t i = 0; i < dout.rows; ++i) {
        if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= dtable.rows)
            throw Error("token id " + std::to_string(ids[i]) + " at index " + str(i) +
                        " is outside the vocabulary [0, " + str(dtable.rows) + ")");
        float* g = dtable.row(ids[i]);
        const float* d = dout.row(i);
        for (std::size_t j = 0; j < dout.cols; ++j) g[j] += d[j];
    }
}

// ---- [positions] ----------------------------------------------------------------------

void sinusoidal_table(MatrixView table) {
    const double d = static_cast<double>(table.cols);
    for (std::size_t p = 0; p < table.rows; ++p)
        for (std::size_t j = 0; j < table.cols; ++j) {
            // columns 2i and 2i+1 share the frequency 1/10000^(2i/d)
            const double angle = static_cast<double>(p) / std::pow(10000.0, static_cast<double>(j - j % 2) / d);
            table(p, j) = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
}

void add_positions(MatrixView x, std::size_t n, ConstMatrixView pos) {
    require_sequences(x.rows, n, "the input to the positions");
    require_cols(pos, x.cols, "position table", "the input");
    if (pos.rows < n) throw Error("sequence length " + str(n) + " exceeds max_len " + str(pos.rows));
    for (std::size_t i = 0; i < x.rows; ++i) {
        float* xi = x.row(i);
        const float* p = pos.row(i % n);
        for (std::size_t j = 0; j < x.cols; ++j) xi[j] += p[j];
    }
}

void add_positions_backward(ConstMatrixView dx, std::size_t n, MatrixView dpos) {
    require_sequences(dx.rows, n, "the position gradient");
    require_cols(dpos, dx.cols, "position table gradient", "the input gradient");
    if (dpos.rows < n) throw Error("sequence length " + str(n) + " exceeds max_len " + str(dpos.rows));
    for (std::size_t i = 0; i < dx.rows; ++i) {
        float* g = dpos.row(i % n);
        const float* d = dx.row(i);
        for (std::size_t j = 0; j < dx.cols; ++j) g[j] += d[j];
    }
}

// ---- [layer norm] ---------------------------------------------------------------------

void layer_norm_forward(ConstMatrixView x, const float* gamma, const float* beta, MatrixView y, double* mean,
                        double* rstd, std::size_t threads) {
    require_same_shape(y, x, "layer norm output", "its input");
    const std::size_t d = x.cols;
    if (d == 0) throw Error("layer norm over 0 features");
    for_blocks(x.rows, kRowsPerTask, 4 * d, threads, [&](std::size_t first, std::size_t last, std::size_t) {
        for (std::size_t i = first; i < last; ++i) {
            const float* xi = x.row(i);
            double s = 0;  // two passes in double: μ and σ² as exact as the float input allows
            for (std::size_t j = 0; j < d; ++j) s += xi[j];
            const double mu = s / static_cast<double>(d);
            double v = 0;
            for (std::size_t j = 0; j < d; ++j) v += (xi[j] - mu) * (xi[j] - mu);
            const double r = 1.0 / std::sqrt(v / static_cast<double>(d) + static_cast<double>(kLayerNormEps));
            mean[i] = mu;
            rstd[i] = r;
            float* yi = y.row(i);
            for (std::size_t j = 0; j < d; ++j) yi[j] = static_cast<float>((xi[j] - mu) * r) * gamma[j] + beta[j];
        }
    });
}

void layer_norm_backward(ConstMatrixView x, const float* gamma, const double* mean, const double* rstd,
                         ConstMatrixView dy, MatrixView dx, float* dgamma, float* dbeta, std::size_t threads) {
    require_same_shape(dy, x, "layer norm output gradient", "its input");
    require_same_shape(dx, x, "layer norm input gradient", "its input");
    const std::size_t d = x.cols;
    const float inv_d = 1.0f / static_cast<float>(d);
    // dx row by row (rows split over threads)
    for_blocks(x.rows, kRowsPerTask, 6 * d, threads, [&](std::size_t first, std::size_t last, std::size_t) {
        for (std::size_t i = first; i < last; ++i) {
            const float* xi = x.row(i);
            const float* dyi = dy.row(i);
            float* dxi = dx.row(i);
            const double mu = mean[i];
            const float r = static_cast<float>(rstd[i]);
            float mg = 0, mgx = 0;  // mean(g), mean(g ⊙ x̂)
            for (std::size_t j = 0; j < d; ++j) {
                const float xhat = static_cast<float>((xi[j] - mu) * rstd[i]), g = dyi[j] * gamma[j];
                mg += g;
                mgx += g * xhat;
            }
            mg *= inv_d;
            mgx *= inv_d;
            for (std::size_t j = 0; j < d; ++j) {
                const float xhat = static_cast<float>((xi[j] - mu) * rstd[i]);
                dxi[j] = r * (dyi[j] * gamma[j] - mg - xhat * mgx);
            }
        }
    });
    // dgamma, dbeta: sums over the rows, on this thread in row order (the same bits for any thread count)
    for (std::size_t i = 0; i < x.rows; ++i) {
        const float* xi = x.row(i);
        const float* dyi = dy.row(i);
        const double mu = mean[i];
        for (std::size_t j = 0; j < d; ++j) {
            const float xhat = static_cast<float>((xi[j] - mu) * rstd[i]);
            dgamma[j] += dyi[j] * xhat;
            dbeta[j] += dyi[j];
        }
    }
}

// ---- [linear] -------------------------------------------------------------------------

void linear_forward(ConstMatrixView x, ConstMatrixView W, const float* b, MatrixView y, std::size_t threads) {
    require_cols(x, W.cols, "linear input", "the weight (out, in)");
    require_shape(y, x.rows, W.rows, "linear output");
    for_blocks(x.rows, kRowsPerTask, W.rows * W.cols, threads, [&](std::size_t first, std::size_t last, std::size_t) {
        const MatrixView yb = y.block(first, 0, last - first, y.cols);
        matmul_abt(x.block(first, 0, last - first, x.cols), W, yb);
        if (b)
            for (std::size_t i = 0; i < yb.rows; ++i) {
                float* yi = yb.row(i);
                for (std::size_t o = 0; o < yb.cols; ++o) yi[o] += b[o];
            }
    });
}

void linear_backward(ConstMatrixView x, ConstMatrixView W, ConstMatrixView dy, MatrixView dx, MatrixView dW, float* db,
                     Matrix& scratch, std::size_t threads) {
    require_cols(x, W.cols, "linear input", "the weight (out, in)");
    require_shape(dy, x.rows, W.rows, "linear output gradient");
    require_shape(dW, W.rows, W.cols, "linear weight gradient");
    if (dx.data) {
        require_shape(dx, x.rows, x.cols, "linear input gradient");
        // (N, out)·(out, in), by blocks of rows of dx
        for_blocks(
            dy.rows, kRowsPerTask, W.rows * W.cols, threads, [&](std::size_t first, std::size_t last, std::size_t) {
                matmul_ab(dy.block(first, 0, last - first, dy.cols), W, dx.block(first, 0, last - first, dx.cols));
            });
    }
    transpose(dy, scratch);  // dyᵀ: (out, N)
    // (out, N)·(N, in), by blocks of rows of dW: each weight's sum over the N rows runs whole in
    // one task, in row order (dW rows are few: 8 per task keeps two threads busy at out = 32)
    const ConstMatrixView dyt = scratch.view();
    for_blocks(dyt.rows, kRowsPerTask / 2, dyt.cols * x.cols, threads,
               [&](std::size_t first, std::size_t last, std::size_t) {
                   matmul_ab(dyt.block(first, 0, last - first, dyt.cols), x, dW.block(first, 0, last - first, dW.cols),
                             /*accumulate=*/true);
               });
    if (db)
        for (std::size_t i = 0; i < dy.rows; ++i) {
            const float* d = dy.row(i);
            for (std::size_t o = 0; o < dy.cols; ++o) db[o] += d[o];
        }
}

// ---- [activations] --------------------------------------------------------------------

const char* activation_name(Activation a) { return a == Activation::relu ? "relu" : "gelu"; }

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

void activation_forward(Activation a, ConstMatrixView x, MatrixView y) {
    require_same_shape(y, x, "activation output", "its input");
    for (std::size_t i = 0; i < x.rows; ++i) {
        const float* xi = x.row(i);
        float* yi = y.row(i);
        if (a == Activation::relu)
            for (std::size_t j = 0; j < x.cols; ++j) yi[j] = xi[j] > 0.0f ? xi[j] : 0.0f;
        else
            for (std::size_t j = 0; j < x.cols; ++j) yi[j] = 0.5f * xi[j] * (1.0f + std::erf(xi[j] * kInvSqrt2));
    }
}

void activation_backward(Activation a, ConstMatrixView x, ConstMatrixView dy, MatrixView dx) {
    require_same_shape(dy, x, "activation output gradient", "its input");
    require_same_shape(dx, x, "activation input gradient", "its input");
    for (std::size_t i = 0; i < x.rows; ++i) {
        const float* xi = x.row(i);
        const float* dyi = dy.row(i);
        float* dxi = dx.row(i);
        if (a == Activation::relu) {
            for (std::size_t j = 0; j < x.cols; ++j) dxi[j] = xi[j] > 0.0f ? dyi[j] : 0.0f;
        } else {
            for (std::size_t j = 0; j < x.cols; ++j) {
                const float v = xi[j];
                const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
                const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
                dxi[j] = dyi[j] * (cdf + v * pdf);
            }
        }
    }
}

// ---- [multi-head self-attention] ------------------------------------------------------

ConstMatrixView SelfAttentionCache::head_weights(std::size_t b, std::size_t h) const {
    if (b >= batch || h >= heads)
        throw Error("attention weights of sequence " + str(b) + ", head " + str(h) +
                    " requested; the last forward had " + str(batch) + " sequences and " + str(heads) + " heads");
    return weights.view().block((b * heads + h) * length, 0, length, length);
}

namespace {

std::size_t check_attention(const SelfAttentionWeights& w, std::size_t x_cols) {
    const std::size_t E = w.out_proj_weight.rows;
    if (E == 0) throw Error("out_proj.weight is empty (expected E×E with E ≥ 1)");
    require_shape(w.out_proj_weight, E, E, "out_proj.weight");
    require_shape(w.in_proj_weight, 3 * E, E, "in_proj_weight");
    if (w.heads == 0) throw Error("heads must be at least 1");
    if (E % w.heads != 0) throw Error("heads " + str(w.heads) + " does not divide the embedding size " + str(E));
    if (x_cols != E)
        throw Error("self-attention input has " + str(x_cols) + " columns, the embedding size is " + str(E));
    return E;
}

}  // namespace

void self_attention_forward(ConstMatrixView x, std::size_t n, bool causal, const SelfAttentionWeights& w,
                            SelfAttentionCache& c, MatrixView y, std::size_t threads) {
    const std::size_t E = check_attention(w, x.cols);
    require_sequences(x.rows, n, "the self-attention input");
    require_shape(y, x.rows, E, "self-attention output");
    const std::size_t N = x.rows, B = N / n, H = w.heads, d = E / H;
    require_size(B * H * n, n, "attention weights");
    c.batch = B;
    c.length = n;
    c.heads = H;
    c.qkv.resize(N, 3 * E);
    c.weights.resize(B * H * n, n);
    c.concat.resize(N, E);
    linear_forward(x, w.in_proj_weight, w.in_proj_bias, c.qkv, threads);  // [Q | K | V]
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    const float minus_inf = -std::numeric_limits<float>::infinity();
    // one task per (sequence, head): each writes only its own P and its own columns of concat
    for_blocks(B * H, 1, 2 * n * n * d, threads, [&](std::size_t first, std::size_t last, std::size_t) {
        for (std::size_t bh = first; bh < last; ++bh) {
            const std::size_t b = bh / H, h = bh % H;
            const ConstMatrixView q = c.qkv.view().block(b * n, h * d, n, d);
            const ConstMatrixView k = c.qkv.view().block(b * n, E + h * d, n, d);
            const ConstMatrixView v = c.qkv.view().block(b * n, 2 * E + h * d, n, d);
            const MatrixView p = c.weights.view().block((b * H + h) * n, 0, n, n);
            matmul_abt(q, k, p, s);  // S = Q Kᵀ·s
            if (causal)
                for (std::size_t i = 0; i < n; ++i) std::fill(p.row(i) + i + 1, p.row(i) + n, minus_inf);
            softmax_rows(p);                                             // P
            matmul_ab(p, v, c.concat.view().block(b * n, h * d, n, d));  // O_h = P V_h
        }
    });
    linear_forward(c.concat, w.out_proj_weight, w.out_proj_bias, y, threads);
}

void self_attention_backward(ConstMatrixView x, const SelfAttentionWeights& w, SelfAttentionCache& c,
                             ConstMatrixView dy, MatrixView dx, const SelfAttentionGrads& g, std::size_t threads) {
    const std::size_t E = check_attention(w, x.cols);
    const std::size_t n = c.length, B = c.batch, H = c.heads, d = E / H, N = B * n;
    if (H != w.heads || x.rows != N || c.qkv.rows() != N || c.qkv.cols() != 3 * E)
        throw Error("self-attention backward: its input (" + shape_string(x.rows, x.cols) + ", " + str(w.heads) +
                    " heads) is not that of the last forward (" + str(B) + " sequences of " + str(n) + ", " + str(H) +
                    " heads)");
    require_shape(dy, N, E, "self-attention output gradient");
    require_shape(dx, N, E, "self-attention input gradient");
    require_shape(g.in_proj_weight, 3 * E, E, "in_proj_weight gradient");
    require_shape(g.out_proj_weight, E, E, "out_proj.weight gradient");

    // output projection: d_concat = dy·W_o, dW_o += dyᵀ·concat, db_o += Σ dy
    c.d_concat.resize(N, E);
    linear_backward(c.concat, w.out_proj_weight, dy, c.d_concat, g.out_proj_weight, g.out_proj_bias, c.linear_scratch,
                    threads);

    c.d_qkv.resize(N, 3 * E);
    const std::size_t workers = resolve_threads(threads);
    if (c.d_scores.size() < workers) c.d_scores.resize(workers);
    if (c.transposed.size() < workers) c.transposed.resize(workers);
    for (std::size_t t = 0; t < workers; ++t) c.d_scores[t].resize(n, n);
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    // one task per (sequence, head): each writes only its own columns of d_qkv, in its worker's scratch
    for_blocks(B * H, 1, 4 * n * n * d, threads, [&](std::size_t first, std::size_t last, std::size_t worker) {
        Matrix& transposed = c.transposed[worker];
        for (std::size_t bh = first; bh < last; ++bh) {
            const std::size_t b = bh / H, h = bh % H;
            const ConstMatrixView q = c.qkv.view().block(b * n, h * d, n, d);
            const ConstMatrixView k = c.qkv.view().block(b * n, E + h * d, n, d);
            const ConstMatrixView v = c.qkv.view().block(b * n, 2 * E + h * d, n, d);
            const ConstMatrixView p = c.weights.view().block((b * H + h) * n, 0, n, n);
            const ConstMatrixView d_o = c.d_concat.view().block(b * n, h * d, n, d);
            const MatrixView dq = c.d_qkv.view().block(b * n, h * d, n, d);
            const MatrixView dk = c.d_qkv.view().block(b * n, E + h * d, n, d);
            const MatrixView dv = c.d_qkv.view().block(b * n, 2 * E + h * d, n, d);
            const MatrixView ds = c.d_scores[worker].view();

            transpose(p, transposed);
            matmul_ab(transposed, d_o, dv);        // dV = Pᵀ·dO
            matmul_abt(d_o, v, ds);                // dP = dO·Vᵀ
            for (std::size_t i = 0; i < n; ++i) {  // dS = P ⊙ (dP − rowsum(dP ⊙ P)), times s here
                const float* pi = p.row(i);
                float* di = ds.row(i);
                float r = 0;
                for (std::size_t j = 0; j < n; ++j) r += di[j] * pi[j];
                for (std::size_t j = 0; j < n; ++j) di[j] = s * pi[j] * (di[j] - r);
            }
            matmul_ab(ds, k, dq);  // dQ = dS·K·s
            transpose(ds, transposed);
            matmul_ab(transposed, q, dk);  // dK = dSᵀ·Q·s
        }
    });

    // input projection: dx = d_qkv·W_in, dW_in += d_qkvᵀ·x, db_in += Σ d_qkv
    linear_backward(x, w.in_proj_weight, c.d_qkv, dx, g.in_proj_weight, g.in_proj_bias, c.linear_scratch, threads);
}

// ---- [losses] -------------------------------------------------------------------------

float cross_entropy(ConstMatrixView logits, const std::int32_t* targets, MatrixView dlogits) {
    require_shape(dlogits, logits.rows, logits.cols, "cross-entropy logits gradient");
    const std::size_t N = logits.rows, V = logits.cols;
    if (V == 0) throw Error("cross-entropy over 0 classes");
    std::size_t counted = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (targets[i] == kIgnoreIndex) continue;
        if (targets[i] < 0 || static_cast<std::size_t>(targets[i]) >= V)
            throw Error("target " + std::to_string(targets[i]) + " at index " + str(i) + " is outside [0, " + str(V) +
                        ") and is not the ignore index -100");
        ++counted;
    }
    if (counted == 0) throw Error("every target is the ignore index -100: the mean loss is undefined");
    const float inv = 1.0f / static_cast<float>(counted);
    double total = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const float* z = logits.row(i);
        float* g = dlogits.row(i);
        if (targets[i] == kIgnoreIndex) {
            std::fill(g, g + V, 0.0f);
            continue;
        }
        const float m = *std::max_element(z, z + V);
        double sum = 0;
        for (std::size_t j = 0; j < V; ++j) sum += (g[j] = std::exp(z[j] - m));
        const double lse = static_cast<double>(m) + std::log(sum);
        total += lse - z[targets[i]];
        const float scale = static_cast<float>(1.0 / sum) * inv;
        for (std::size_t j = 0; j < V; ++j) g[j] *= scale;
        g[targets[i]] -= inv;
    }
    return static_cast<float>(total / static_cast<double>(counted));
}

float mean_squared_error(ConstMatrixView pred, const float* target, MatrixView dpred) {
    if (pred.cols != 1) throw Error("mean squared error prediction has " + str(pred.cols) + " columns, expected 1");
    require_shape(dpred, pred.rows, 1, "mean squared error prediction gradient");
    if (pred.rows == 0) throw Error("mean squared error over 0 values");
    const float inv = 1.0f / static_cast<float>(pred.rows);
    double total = 0;
    for (std::size_t i = 0; i < pred.rows; ++i) {
        const float e = pred(i, 0) - target[i];
        total += static_cast<double>(e) * e;
        dpred(i, 0) = 2.0f * e * inv;
    }
    return static_cast<float>(total / static_cast<double>(pred.rows));
}

}  // namespace attn::nn
