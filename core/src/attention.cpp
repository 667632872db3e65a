// attention.cpp: score functions, masked softmax and single-head attention.
//
// The numbers are always computed by the fast kernels first; when a Trace is given, the
// steps are recorded afterwards from the computed matrices (so tracing never changes a
// result, and the untraced path carries no recording branches in its inner loops).
#include "attn/attention.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "attn/kernels.hpp"

namespace attn {

namespace {

const char* const kScoreNames[] = {"dot", "scaled_dot", "general", "additive", "cosine"};

// %.4g, as an ostream with precision(4) prints; snprintf rather than <sstream>, whose locale
// machinery would weigh on the wasm.
std::string fmt(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", x);
    return buf;
}

// Formula of one score cell, in the notation of the lessons (i, j: indices or "i", "j").
std::string score_formula(Score kind, const std::string& i, const std::string& j, float temperature) {
    const std::string s = "s" + i + "," + j + " = ", qi = "q" + i, kj = "k" + j;
    const std::string t = temperature == 1.0f ? "" : " / T";
    switch (kind) {
        case Score::dot: return s + qi + " · " + kj + t;
        case Score::scaled_dot: return s + qi + " · " + kj + " / √d_k" + t;
        case Score::general: return s + qi + "ᵀ W " + kj + t;
        case Score::additive: return s + "vᵀ tanh(W_q " + qi + " + W_k " + kj + ")" + t;
        case Score::cosine: return s + qi + " · " + kj + " / (‖" + qi + "‖ ‖" + kj + "‖)" + t;
    }
    return "";
}

// Rows scaled to unit length (a zero row stays zero, so its cosine scores are 0).
void normalize_rows(ConstMatrixView x, Matrix& out) {
    out.resize(x.rows, x.cols);
    for (std::size_t i = 0; i < x.rows; ++i) {
        double n2 = 0;
        for (std::size_t c = 0; c < x.cols; ++c) n2 += static_cast<double>(x(i, c)) * x(i, c);
        // Divide in double: for a row of subnormals 1/‖x‖ exceeds the float range (≈ 1e42), so a
        // float reciprocal would turn the row into infinities.
        const double norm = std::sqrt(n2);
        for (std::size_t c = 0; c < x.cols; ++c) out(i, c) = n2 > 0 ? static_cast<float>(x(i, c) / norm) : 0.0f;
    }
}

// scores: (L, S), e_ij = vᵀ tanh(pq_i + pk_j) · inv_t,  pq = q W_qᵀ: (L, h), pk = k W_kᵀ: (S, h)
void additive_scores(const Matrix& pq, const Matrix& pk, const std::vector<float>& v, float inv_t, Matrix& scores) {
    const std::size_t h = pq.cols();
    Matrix hidden(pk.rows(), h);
    Matrix vrow(1, h);
    std::copy(v.begin(), v.end(), vrow.row(0));
    Matrix col(pk.rows(), 1);
    for (std::size_t i = 0; i < pq.rows(); ++i) {
        for (std::size_t j = 0; j < pk.rows(); ++j) {
            float* hj = hidden.row(j);
            std::copy(pk.row(j), pk.row(j) + h, hj);
            kernels().axpy(hj, 1.0f, pq.row(i), h);
            kernels().tanh(hj, h);
        }
        matmul_abt(hidden, vrow, col, inv_t);  // (S, h) · (1, h)ᵀ = (S, 1)
        for (std::size_t j = 0; j < pk.rows(); ++j) scores(i, j) = col(j, 0);
    }
}

void record_scores(ConstMatrixView q, ConstMatrixView k, const ScoreParams& params, const Matrix& scores,
                   Trace& trace) {
    trace.set_matrix("Q", q);
    trace.set_matrix("K", k);
    trace.set_matrix("scores", scores);
    const std::string kind = score_name(params.kind);
    if (!trace.wants_rows()) {
        trace.add(StepKind::scores, "Scores (" + kind + ")", score_formula(params.kind, "i", "j", params.temperature),
                  {"Q", "K"}, {"scores"});
        return;
    }
    for (std::size_t i = 0; i < scores.rows(); ++i) {
        if (!trace.wants_cells()) {
            trace.add(StepKind::score_row, "Scores of query " + std::to_string(i),
                      "s" + std::to_string(i) + ",j = score(q" + std::to_string(i) + ", k_j) for every key j",
                      {"Q", "K"}, {"scores"}, Focus::on_row("scores", i));
            continue;
        }
        for (std::size_t j = 0; j < scores.cols(); ++j) {
            trace
                .add(StepKind::score_cell, "Score of query " + std::to_string(i) + " with key " + std::to_string(j),
                     score_formula(params.kind, std::to_string(i), std::to_string(j), params.temperature) + " = " +
                         fmt(scores(i, j)),
                     {"Q", "K"}, {"scores"}, Focus::on_cell("scores", i, j))
                .value("score", scores(i, j));
        }
    }
}

void record_softmax(ConstMatrixView scores, const Mask& mask, const Matrix& weights, Trace& trace) {
    trace.set_matrix("weights", weights);
    if (!trace.wants_rows()) {
        trace.add(StepKind::softmax, "Softmax over keys (mask: " + mask.describe() + ")",
                  "α_ij = exp(s_ij − max_j s_ij) / Σ_j exp(s_ij − max_j s_ij)", {"scores"}, {"weights"});
        return;
    }
    for (std::size_t i = 0; i < scores.rows; ++i) {
        const std::string r = std::to_string(i);
        double m = -std::numeric_limits<double>::infinity(), sum = 0;
        std::size_t allowed = 0;
        for (std::size_t j = 0; j < scores.cols; ++j)
            if (mask.allows(i, j)) {
                m = std::max(m, static_cast<double>(scores(i, j)));
                ++allowed;
            }
        for (std::size_t j = 0; j < scores.cols; ++j)
            if (mask.allows(i, j)) sum += std::exp(scores(i, j) - m);
        if (allowed == 0) {
            trace.add(StepKind::masked_row, "Row " + r + " is fully masked",
                      "α" + r + ",j = 0 for every j (no key may be attended)", {"scores"}, {"weights"},
                      Focus::on_row("weights", i));
            continue;
        }
        if (!trace.wants_cells()) {
            trace
                .add(StepKind::softmax_row, "Softmax of row " + r,
                     "α" + r + ",j = exp(s" + r + ",j − m) / Σ exp(s" + r + ",j − m),  m = " + fmt(m), {"scores"},
                     {"weights"}, Focus::on_row("weights", i))
                .value("max", m)
                .value("sum", sum);
            continue;
        }
        trace
            .add(StepKind::softmax_row, "Row " + r + ": maximum",
                 "m = max_j s" + r + ",j = " + fmt(m) + " (over " + std::to_string(allowed) + " allowed keys)",
                 {"scores"}, {}, Focus::on_row("scores", i))
            .value("max", m);
        trace.add(StepKind::softmax_row, "Row " + r + ": exponentials",
                  "e" + r + ",j = exp(s" + r + ",j − m)  (masked keys: 0)", {"scores"}, {}, Focus::on_row("scores", i));
        trace
            .add(StepKind::softmax_row, "Row " + r + ": sum", "Σ_j e" + r + ",j = " + fmt(sum), {}, {},
                 Focus::on_row("scores", i))
            .value("sum", sum);
        trace.add(StepKind::softmax_row, "Row " + r + ": normalise", "α" + r + ",j = e" + r + ",j / " + fmt(sum),
                  {"scores"}, {"weights"}, Focus::on_row("weights", i));
    }
}

void record_output(ConstMatrixView v, const Matrix& output, Trace& trace) {
    trace.set_matrix("V", v);
    trace.set_matrix("output", output);
    if (!trace.wants_rows()) {
        trace.add(StepKind::weighted_sum, "Weighted sum of values", "o_i = Σ_j α_ij v_j", {"weights", "V"}, {"output"});
        return;
    }
    for (std::size_t i = 0; i < output.rows(); ++i) {
        const std::string r = std::to_string(i);
        trace.add(StepKind::output_row, "Output of query " + r, "o" + r + " = Σ_j α" + r + ",j v_j", {"weights", "V"},
                  {"output"}, Focus::on_row("output", i));
    }
}

}  // namespace

const char* score_name(Score s) { return kScoreNames[static_cast<int>(s)]; }

Score parse_score(const std::string& name) {
    for (int i = 0; i < 5; ++i)
        if (name == kScoreNames[i]) return static_cast<Score>(i);
    throw Error("unknown attention kind '" + name + "' (expected dot, scaled_dot, general, additive or cosine)");
}

void check_temperature(float temperature) {
    // Below FLT_MIN, 1/T overflows to infinity and every score becomes ±inf or NaN.
    if (!(temperature >= std::numeric_limits<float>::min()) || !std::isfinite(temperature))
        throw Error("temperature", "must be a finite number ≥ 1.2e-38, got " + fmt(temperature));
}

void ScoreParams::check(std::size_t d_q, std::size_t d_k) const {
    check_temperature(temperature);
    if (d_q == 0) throw Error("query", "has 0 columns");
    if (d_k == 0) throw Error("key", "has 0 columns");
    switch (kind) {
        case Score::dot:
        case Score::scaled_dot:
        case Score::cosine:
            if (d_q != d_k)
                throw Error("key", "has " + std::to_string(d_k) + " columns, query has " + std::to_string(d_q) + " (" +
                                       score_name(kind) + " attention needs equal sizes)");
            break;
        case Score::general:
            require_shape(W, d_q, d_k, "W");
            require_finite(W, "W");
            break;
        case Score::additive: {
            if (W_q.rows() == 0) throw Error("W_q", "is empty (additive attention needs W_q: h×d_q, W_k: h×d_k, v: h)");
            const std::size_t h = W_q.rows();
            require_shape(W_q, h, d_q, "W_q");
            require_shape(W_k, h, d_k, "W_k");
            if (v.size() != h)
                throw Error("v",
                            "has " + std::to_string(v.size()) + " entries, W_q has " + std::to_string(h) + " rows");
            require_finite(W_q, "W_q");
            require_finite(W_k, "W_k");
            for (std::size_t i = 0; i < v.size(); ++i)
                if (!std::isfinite(v[i])) throw Error("v", "[" + std::to_string(i) + "] is not finite");
            break;
        }
    }
}

void compute_scores(ConstMatrixView q, ConstMatrixView k, const ScoreParams& params, Matrix& scores, Trace* trace) {
    params.check(q.cols, k.cols);
    require_size(q.rows, k.rows, "scores");
    scores.resize(q.rows, k.rows);
    const float inv_t = 1.0f / params.temperature;
    if (!scores.empty()) {
        switch (params.kind) {
            case Score::dot: matmul_abt(q, k, scores, inv_t); break;
            case Score::scaled_dot:
                matmul_abt(q, k, scores,
                           static_cast<float>(1.0 / (std::sqrt(static_cast<double>(k.cols)) * params.temperature)));
                break;
            case Score::general: {
                Matrix qw(q.rows, k.cols);  // (L, d_k) = q · W
                matmul_ab(q, params.W, qw);
                matmul_abt(qw, k, scores, inv_t);
                if (trace) trace->set_matrix("QW", qw);
                break;
            }
            case Score::cosine: {
                Matrix qn, kn;
                normalize_rows(q, qn);
                normalize_rows(k, kn);
                matmul_abt(qn, kn, scores, inv_t);
                break;
            }
            case Score::additive: {
                const std::size_t h = params.W_q.rows();
                Matrix pq(q.rows, h), pk(k.rows, h);
                matmul_abt(q, params.W_q, pq);
                matmul_abt(k, params.W_k, pk);
                additive_scores(pq, pk, params.v, inv_t, scores);
                if (trace) {
                    trace->set_matrix("W_q q", pq);
                    trace->set_matrix("W_k k", pk);
                }
                break;
            }
        }
    }
    // Finite inputs can still overflow (|q·k| > 3.4e38): report it rather than softmax garbage.
    for (std::size_t i = 0; i < scores.rows(); ++i)
        for (std::size_t j = 0; j < scores.cols(); ++j)
            if (!std::isfinite(scores(i, j)))
                throw Error("scores", "[" + std::to_string(i) + "][" + std::to_string(j) +
                                          "] overflows float: the inputs are too large for this score function");
    if (trace) record_scores(q, k, params, scores, *trace);
}

void masked_softmax(ConstMatrixView scores, const Mask& mask, Matrix& weights, Trace* trace) {
    mask.check(scores.rows, scores.cols);
    weights.resize(scores.rows, scores.cols);
    const float ninf = -std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < scores.rows; ++i) {
        float* w = weights.row(i);
        const float* s = scores.row(i);
        if (mask.kind() == Mask::Kind::none) {
            std::copy(s, s + scores.cols, w);
        } else {
            for (std::size_t j = 0; j < scores.cols; ++j) w[j] = mask.allows(i, j) ? s[j] : ninf;
        }
        softmax_row(w, scores.cols);
    }
    if (trace) record_softmax(scores, mask, weights, *trace);
}

void check_attention_inputs(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const Mask& mask) {
    require_rows(v, k.rows, "value", "key");
    require_finite(q, "query");
    require_finite(k, "key");
    require_finite(v, "value");
    mask.check(q.rows, k.rows);
}

void attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const ScoreParams& params, const Mask& mask,
               AttentionResult& result, Trace* trace) {
    check_attention_inputs(q, k, v, mask);
    require_size(q.rows, v.cols, "output");
    compute_scores(q, k, params, result.scores, trace);
    masked_softmax(result.scores, mask, result.weights, trace);
    result.output.resize(q.rows, v.cols);
    if (k.rows == 0)
        result.output.fill(0.0f);
    else
        matmul_ab(result.weights, v, result.output);
    if (trace) record_output(v, result.output, *trace);
}

AttentionResult attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, const ScoreParams& params,
                          const Mask& mask, Trace* trace) {
    AttentionResult r;
    attention(q, k, v, params, mask, r, trace);
    return r;
}

}  // namespace attn
