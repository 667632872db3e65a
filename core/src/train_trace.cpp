// train_trace.cpp: recording one training step for the step player (attn/trace.hpp).
//
// Nothing here computes what training uses: the Transformer's hooks copy the rows of one
// sequence out of the state its forward and backward kept, and the attention head backward is
// recomputed from the cache with the kernels and order of self_attention_backward, so every
// number a learner steps through is the number the engine used. Training without a trace
// request never enters these functions' bodies.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attn/kernels.hpp"
#include "attn/train/layers.hpp"
#include "attn/train/transformer.hpp"

namespace attn {
namespace {

std::string str(std::size_t x) { return std::to_string(x); }

// Rows [b·n, b·n + n) of a batch matrix: one sequence.
ConstMatrixView sequence_rows(ConstMatrixView m, std::size_t b, std::size_t n) { return m.block(b * n, 0, n, m.cols); }

}  // namespace

namespace nn {

void trace_self_attention_head_backward(const SelfAttentionCache& c, std::size_t b, std::size_t h, Trace& trace,
                                        const std::string& prefix) {
    const std::size_t n = c.length, B = c.batch, H = c.heads, N = B * n;
    if (N == 0 || H == 0 || c.qkv.rows() != N || c.d_concat.rows() != N || c.d_qkv.rows() != N)
        throw Error("the attention cache holds no backward pass to trace");
    if (b >= B || h >= H)
        throw Error("trace of sequence " + str(b) + ", head " + str(h) + " requested; the last pass had " + str(B) +
                    " sequences and " + str(H) + " heads");
    const std::size_t E = c.qkv.cols() / 3, d = E / H;
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    const ConstMatrixView q = c.qkv.view().block(b * n, h * d, n, d);
    const ConstMatrixView k = c.qkv.view().block(b * n, E + h * d, n, d);
    const ConstMatrixView v = c.qkv.view().block(b * n, 2 * E + h * d, n, d);
    const ConstMatrixView p = c.weights.view().block((b * H + h) * n, 0, n, n);
    const ConstMatrixView d_o = c.d_concat.view().block(b * n, h * d, n, d);
    auto name = [&](const char* m) { return prefix + m; };
    const long head = static_cast<long>(h);

    // As self_attention_backward: dV = Pᵀ·dO, dP = dO·Vᵀ, then s·dS row by row, dQ, dK.
    Matrix pt, dv(n, d), dp(n, n), ds_scaled(n, n), ds(n, n), dq(n, d), dk(n, d), dst;
    transpose(p, pt);
    matmul_ab(pt, d_o, dv);
    matmul_abt(d_o, v, dp);
    std::vector<float> row_sum(n);
    for (std::size_t i = 0; i < n; ++i) {
        float r = 0;
        for (std::size_t j = 0; j < n; ++j) r += dp(i, j) * p(i, j);
        row_sum[i] = r;
        for (std::size_t j = 0; j < n; ++j) {
            ds_scaled(i, j) = s * p(i, j) * (dp(i, j) - r);
            ds(i, j) = p(i, j) * (dp(i, j) - r);
        }
    }
    matmul_ab(ds_scaled, k, dq);
    transpose(ds_scaled, dst);
    matmul_ab(dst, q, dk);

    trace.set_matrix(name("Q"), q);
    trace.set_matrix(name("K"), k);
    trace.set_matrix(name("V"), v);
    trace.set_matrix(name("P"), p);
    trace.set_matrix(name("dO"), d_o);
    trace.set_matrix(name("dV"), dv);
    trace.set_matrix(name("dP"), dp);
    trace.set_matrix(name("dS"), ds);
    trace.set_matrix(name("dQ"), dq);
    trace.set_matrix(name("dK"), dk);

    trace
        .add(StepKind::grad_flow, "head " + str(h) + ": the gradient reaching its output",
             "dO = ∂loss/∂O_h   (the head's " + str(d) + " columns of ∂loss/∂concat = ∂loss/∂y · W_o)", {},
             {name("dO")})
        .head = head;
    trace
        .add(StepKind::grad_values, "head " + str(h) + ": gradient of the values",
             "dV = Pᵀ·dO   (value j collects the gradient of every query that looked at it)", {name("P"), name("dO")},
             {name("dV")})
        .head = head;
    const bool cells = trace.wants_cells();
    for (std::size_t i = 0; i < n; ++i) {
        if (cells) {
            for (std::size_t j = 0; j < n; ++j) {
                Step& st = trace.add(StepKind::grad_weights, "dP[" + str(i) + "][" + str(j) + "]",
                                     "dP_ij = dO_i · V_j   (how the loss would change with weight P_ij)",
                                     {name("dO"), name("V")}, {name("dP")}, Focus::on_cell(name("dP"), i, j));
                st.head = head;
                st.value("dP_ij", dp(i, j));
            }
        } else {
            trace
                .add(StepKind::grad_weights, "dP row " + str(i), "dP_i = dO_i · Vᵀ", {name("dO"), name("V")},
                     {name("dP")}, Focus::on_row(name("dP"), i))
                .head = head;
        }
        Step& rs = trace.add(StepKind::grad_row_sum, "row sum of query " + str(i),
                             "r_i = Σ_j dP_ij·P_ij   (the gradient's average under the weights of row i)",
                             {name("dP"), name("P")}, {}, Focus::on_row(name("dP"), i));
        rs.head = head;
        rs.value("r_i", row_sum[i]);
        if (cells) {
            for (std::size_t j = 0; j < n; ++j) {
                Step& st = trace.add(StepKind::grad_scores, "dS[" + str(i) + "][" + str(j) + "]",
                                     "dS_ij = P_ij·(dP_ij − r_i)   (softmax backward: weights sum to 1)",
                                     {name("P"), name("dP")}, {name("dS")}, Focus::on_cell(name("dS"), i, j));
                st.head = head;
                st.value("P_ij", p(i, j)).value("dP_ij", dp(i, j)).value("r_i", row_sum[i]).value("dS_ij", ds(i, j));
            }
        } else {
            Step& st = trace.add(StepKind::grad_scores, "dS row " + str(i), "dS_i = P_i ⊙ (dP_i − r_i)",
                                 {name("P"), name("dP")}, {name("dS")}, Focus::on_row(name("dS"), i));
            st.head = head;
            st.value("r_i", row_sum[i]);
        }
    }
    trace
        .add(StepKind::grad_queries, "head " + str(h) + ": gradient of the queries", "dQ = dS·K·s,   s = 1/√" + str(d),
             {name("dS"), name("K")}, {name("dQ")})
        .head = head;
    trace
        .add(StepKind::grad_keys, "head " + str(h) + ": gradient of the keys", "dK = dSᵀ·Q·s,   s = 1/√" + str(d),
             {name("dS"), name("Q")}, {name("dK")})
        .head = head;
}

}  // namespace nn

void Transformer::trace_forward() {
    Trace* t = trace_request_.trace;
    if (!t) return;
    const std::size_t b = trace_request_.sequence, n = length_;
    if (b >= batch_ || trace_request_.layer >= config_.layers || trace_request_.head >= config_.heads)
        throw Error("traced step: sequence " + str(b) + ", layer " + str(trace_request_.layer) + ", head " +
                    str(trace_request_.head) + " requested; the pass has " + str(batch_) + " sequences, " +
                    str(config_.layers) + " layers and " + str(config_.heads) + " heads");
    const bool tokens = config_.input == ModelInput::tokens;
    t->set_matrix("x0", sequence_rows(layers_[0].x, b, n));
    t->add(StepKind::embed, "embed the tokens and add the positions",
           tokens
               ? "x = tok_emb[token] + " + std::string(pos_ != Parameters::npos ? "pos_emb[position]" : "PE(position)")
               : "x = in_proj(value) + " + std::string(pos_ != Parameters::npos ? "pos_emb[position]" : "PE(position)"),
           {}, {"x0"});
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        const std::string L = "L" + str(l);
        const std::string in = l == 0 ? "x0" : "L" + str(l - 1) + " out";
        for (std::size_t h = 0; h < config_.heads; ++h) {
            const std::string P = L + " P" + str(h);
            t->set_matrix(P, layers_[l].attn.head_weights(b, h));
            t->add(StepKind::softmax, "layer " + str(l) + ", head " + str(h) + ": attention weights",
                   std::string("P = softmax(Q·Kᵀ/√d") + (config_.causal ? " + causal mask" : "") +
                       "),  Q, K = norm1(x)·W_q, W_k",
                   {in}, {P})
                .head = static_cast<long>(h);
        }
        t->set_matrix(L + " mid", sequence_rows(layers_[l].x_mid, b, n));
        t->add(StepKind::layer_output, "layer " + str(l) + ": attention added to the residual stream",
               "x ← x + self_attn(norm1(x)),  self_attn = [P_0·V_0 | … ]·W_oᵀ + b_o", {in}, {L + " mid"});
        const Matrix& out = l + 1 < layers_.size() ? layers_[l + 1].x : final_x_;
        t->set_matrix(L + " out", sequence_rows(out, b, n));
        t->add(StepKind::layer_output, "layer " + str(l) + ": feed-forward added to the residual stream",
               std::string("x ← x + linear2(") + nn::activation_name(config_.activation) + "(linear1(norm2(x))))",
               {L + " mid"}, {L + " out"});
    }
    const std::string last = "L" + str(layers_.size() - 1) + " out";
    t->set_matrix("logits", sequence_rows(logits_, b, n));
    t->add(StepKind::logits, tokens ? "logits: a score for every token at every position" : "predictions",
           tokens ? "z = head(norm(x)) = norm(x)·W_headᵀ + b_head" : "ŷ = head(norm(x))", {last}, {"logits"});
}

void Transformer::trace_loss(float loss, bool cross_entropy, const void* targets) {
    Trace* t = trace_request_.trace;
    if (!t) return;
    const std::size_t b = trace_request_.sequence, n = length_, V = logits_.cols();
    double own = 0;
    std::size_t counted = 0;
    for (std::size_t i = b * n; i < b * n + n; ++i) {
        const float* z = logits_.row(i);
        if (cross_entropy) {
            const std::int32_t target = static_cast<const std::int32_t*>(targets)[i];
            if (target == nn::kIgnoreIndex) continue;
            float m = z[0];
            for (std::size_t j = 1; j < V; ++j) m = std::max(m, z[j]);
            double sum = 0;
            for (std::size_t j = 0; j < V; ++j) sum += std::exp(static_cast<double>(z[j] - m));
            own += static_cast<double>(m) + std::log(sum) - z[target];
        } else {
            const double e = z[0] - static_cast<const float*>(targets)[i];
            own += e * e;
        }
        ++counted;
    }
    const double shown = counted ? own / static_cast<double>(counted) : 0.0;
    t->add(StepKind::loss, "the loss",
           cross_entropy ? "loss = mean over the batch's targets of −log softmax(z)[target]"
                         : "loss = mean over the batch of (ŷ − y)²",
           {"logits"}, {})
        .value("loss (batch)", loss)
        .value("loss (this sequence)", shown);
    t->set_matrix("dlogits", sequence_rows(d_logits_, b, n));
    t->add(StepKind::loss_grad, "backward starts: the gradient of the logits",
           cross_entropy ? "∂loss/∂z = (softmax(z) − onehot(target)) / M,   M = targets in the batch"
                         : "∂loss/∂ŷ = 2·(ŷ − y) / N",
           {"logits"}, {"dlogits"});
}

void Transformer::trace_layer_grad(std::size_t l) {
    Trace* t = trace_request_.trace;
    if (!t) return;
    const std::string name = "L" + str(l) + " dout";
    t->set_matrix(name, sequence_rows(d_x_, trace_request_.sequence, length_));
    t->add(StepKind::grad_flow, "the gradient reaching layer " + str(l) + "'s output",
           l + 1 == layers_.size() ? "∂loss/∂x = backward of head(norm(x))"
                                   : "∂loss/∂x = backward of layer " + str(l + 1) + " (its branches plus the residual)",
           {}, {name});
}

void Transformer::trace_attention_backward(std::size_t l) {
    Trace* t = trace_request_.trace;
    if (!t || l != trace_request_.layer) return;
    nn::trace_self_attention_head_backward(layers_[l].attn, trace_request_.sequence, trace_request_.head, *t,
                                           "L" + str(l) + " ");
}

void Transformer::trace_parameter_grad() {
    Trace* t = trace_request_.trace;
    if (!t) return;
    const std::size_t l = trace_request_.layer, h = trace_request_.head;
    const std::size_t E = config_.d_model, d = E / config_.heads;
    const ConstMatrixView g = params_.grad_matrix(layer_ids_[l].in_w).block(h * d, 0, d, E);
    double norm = 0;
    for (std::size_t i = 0; i < g.rows; ++i)
        for (std::size_t j = 0; j < g.cols; ++j) norm += static_cast<double>(g(i, j)) * g(i, j);
    const std::string name = "L" + str(l) + " dW_q";
    t->set_matrix(name, g);
    Step& st = t->add(StepKind::grad_parameter,
                      "gradient of W_q, head " + str(h) + " (rows " + str(h * d) + "–" + str(h * d + d - 1) +
                          " of layers." + str(l) + ".self_attn.in_proj_weight)",
                      "∂loss/∂W_q = Σ over the batch's sequences of dQᵀ·norm1(x)   (Q = norm1(x)·W_qᵀ + b_q)",
                      {"L" + str(l) + " dQ"}, {name});
    st.head = static_cast<long>(h);
    st.value("‖∂loss/∂W_q‖", std::sqrt(norm));
}

}  // namespace attn
