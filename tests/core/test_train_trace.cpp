// A training step recorded for the step player (attn/train/transformer.hpp StepTraceRequest,
// nn::trace_self_attention_head_backward, Adam::step with a trace): recording changes no number,
// the recorded attention backward equals the engine's bit for bit, and the steps come in the
// order forward, loss, backward, update with their typed kinds.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "attn/train/optim.hpp"
#include "attn/train/rng.hpp"
#include "attn/train/tasks.hpp"
#include "attn/train/transformer.hpp"

using attn::Adam;
using attn::AdamConfig;
using attn::ConstMatrixView;
using attn::Matrix;
using attn::StepKind;
using attn::Trace;
using attn::Transformer;
using attn::TransformerConfig;

namespace {

bool same_bits(ConstMatrixView a, ConstMatrixView b) {
    if (a.rows != b.rows || a.cols != b.cols) return false;
    for (std::size_t i = 0; i < a.rows; ++i)
        if (std::memcmp(a.row(i), b.row(i), a.cols * sizeof(float)) != 0) return false;
    return true;
}

TransformerConfig small_config(bool causal) {
    TransformerConfig c;
    c.vocab = 7;
    c.d_model = 8;
    c.heads = 2;
    c.d_ff = 12;
    c.layers = 2;
    c.max_len = 5;
    c.causal = causal;
    return c;
}

// A matrix the trace must hold.
const Matrix& named(const Trace& t, const std::string& name) {
    const Matrix* m = t.matrix(name);
    if (!m) FAIL("the trace holds no matrix '" << name << "'");
    return *m;
}

std::size_t count_kind(const Trace& t, StepKind k) {
    std::size_t n = 0;
    for (const auto& s : t.steps()) n += s.kind == k;
    return n;
}

}  // namespace

TEST_CASE("train trace: the head backward recorded equals the engine's dQ, dK, dV bit for bit", "[train][trace]") {
    const std::size_t B = 3, n = 5, E = 8, H = 2, d = E / H;
    attn::Rng rng(11);
    Matrix x(B * n, E), w_in(3 * E, E), w_out(E, E), dy(B * n, E), dx(B * n, E), y(B * n, E);
    std::vector<float> b_in(3 * E), b_out(E), gb_in(3 * E), gb_out(E);
    for (Matrix* m : {&x, &w_in, &w_out, &dy})
        for (std::size_t i = 0; i < m->rows(); ++i)
            for (std::size_t j = 0; j < m->cols(); ++j) (*m)(i, j) = static_cast<float>(rng.normal());
    Matrix g_in(3 * E, E), g_out(E, E);
    attn::nn::SelfAttentionWeights w{H, w_in, b_in.data(), w_out, b_out.data()};
    attn::nn::SelfAttentionGrads g{g_in, gb_in.data(), g_out, gb_out.data()};
    attn::nn::SelfAttentionCache cache;
    const bool causal = GENERATE(false, true);
    attn::nn::self_attention_forward(x, n, causal, w, cache, y);
    attn::nn::self_attention_backward(x, w, cache, dy, dx, g);

    Trace trace(Trace::Detail::cells);
    const std::size_t b = 1, h = 1;
    attn::nn::trace_self_attention_head_backward(cache, b, h, trace, "A ");
    CHECK(same_bits(named(trace, "A dQ"), cache.d_qkv.view().block(b * n, h * d, n, d)));
    CHECK(same_bits(named(trace, "A dK"), cache.d_qkv.view().block(b * n, E + h * d, n, d)));
    CHECK(same_bits(named(trace, "A dV"), cache.d_qkv.view().block(b * n, 2 * E + h * d, n, d)));
    CHECK(same_bits(named(trace, "A P"), cache.head_weights(b, h)));
    // The softmax backward keeps each row's weights summing to 1: every row of dS sums to 0.
    const Matrix& ds = named(trace, "A dS");
    for (std::size_t i = 0; i < n; ++i) {
        double sum = 0, mag = 0;
        for (std::size_t j = 0; j < n; ++j) sum += ds(i, j), mag += std::fabs(ds(i, j));
        CHECK(std::fabs(sum) <= 1e-5 * std::max(1.0, mag));  // float rounding of n terms
    }
    // Cell by cell: n² dP cells, n row sums, n² dS cells; every step carries the head.
    CHECK(count_kind(trace, StepKind::grad_weights) == n * n);
    CHECK(count_kind(trace, StepKind::grad_row_sum) == n);
    CHECK(count_kind(trace, StepKind::grad_scores) == n * n);
    for (const auto& s : trace.steps()) CHECK(s.head == static_cast<long>(h));
    // A dS cell's values are its formula's terms: dS_ij = P_ij·(dP_ij − r_i).
    for (const auto& s : trace.steps()) {
        if (s.kind != StepKind::grad_scores) continue;
        REQUIRE(s.values.size() == 4);
        const double p = s.values[0].second, dp = s.values[1].second, r = s.values[2].second;
        CHECK(s.values[3].second == Approx(p * (dp - r)).margin(1e-7));
        CHECK(s.focus.kind == attn::Focus::Kind::cell);
    }

    Trace rows(Trace::Detail::rows);
    attn::nn::trace_self_attention_head_backward(cache, 0, 0, rows);
    CHECK(count_kind(rows, StepKind::grad_weights) == n);
    CHECK(count_kind(rows, StepKind::grad_scores) == n);
    CHECK_THROWS_WITH(attn::nn::trace_self_attention_head_backward(cache, 3, 0, rows),
                      "trace of sequence 3, head 0 requested; the last pass had 3 sequences and 2 heads");
}

TEST_CASE("train trace: a recorded training step changes no number and lists its stages in order", "[train][trace]") {
    const bool causal = GENERATE(false, true);
    const TransformerConfig config = small_config(causal);
    Transformer plain(config), traced(config);
    plain.init(5);
    traced.init(5);
    attn::TaskConfig task;
    task.kind = causal ? attn::TaskKind::induction : attn::TaskKind::reverse;
    task.length = 5;
    task.vocab = 7;
    task.k = 2;
    attn::Rng rng(3);
    attn::TaskBatch batch;
    attn::generate_batch(task, 4, rng, batch);

    Adam opt_plain(AdamConfig::adam(1e-2)), opt_traced(AdamConfig::adam(1e-2));
    opt_plain.config().clip_norm = opt_traced.config().clip_norm = 0.5;
    Trace trace(Trace::Detail::cells, 100000);
    for (int step = 0; step < 2; ++step) {  // the second step has non-zero moments
        trace.clear();
        plain.forward(batch.input.data(), 4, 5);
        const float loss_plain = plain.cross_entropy_loss(batch.target.data());
        plain.backward();
        traced.trace_next_step({&trace, 2, 1, 1});
        traced.forward(batch.input.data(), 4, 5);
        const float loss_traced = traced.cross_entropy_loss(batch.target.data());
        traced.backward();
        CHECK(loss_plain == loss_traced);
        const auto& pp = plain.parameters();
        const auto& tp = traced.parameters();
        CHECK(std::memcmp(pp.grads(), tp.grads(), pp.total() * sizeof(float)) == 0);
        // The traced dW_q of head 1 in layer 1 is the batch's gradient (rows 4..7 of in_proj_weight).
        const std::size_t in_w = tp.index("layers.1.self_attn.in_proj_weight");
        CHECK(same_bits(named(trace, "L1 dW_q"), tp.grad_matrix(in_w).block(4, 0, 4, 8)));
        // The shown sequence's attention and logits are the engine's.
        CHECK(same_bits(named(trace, "L0 P1"), traced.attention(0, 2, 1)));
        CHECK(same_bits(named(trace, "logits"), traced.output().block(10, 0, 5, 7)));

        opt_plain.step(plain.parameters());
        const std::vector<std::size_t> watch = {tp.info(in_w).offset + 4 * 8 + 3, 0};
        opt_traced.step(traced.parameters(), trace, watch);
        CHECK(std::memcmp(pp.values(), tp.values(), pp.total() * sizeof(float)) == 0);
    }

    // The stages in order: forward, loss, backward (layer 1's head 1 cell by cell), W_q, Adam.
    std::vector<StepKind> order;
    for (const auto& s : trace.steps())
        if (order.empty() || order.back() != s.kind) order.push_back(s.kind);
    auto position = [&](StepKind k) {
        for (std::size_t i = 0; i < order.size(); ++i)
            if (order[i] == k) return static_cast<long>(i);
        return -1L;
    };
    CHECK(order.front() == StepKind::embed);
    for (StepKind k : {StepKind::softmax, StepKind::layer_output, StepKind::logits, StepKind::loss, StepKind::loss_grad,
                       StepKind::grad_flow, StepKind::grad_values, StepKind::grad_weights, StepKind::grad_row_sum,
                       StepKind::grad_scores, StepKind::grad_queries, StepKind::grad_keys, StepKind::grad_parameter,
                       StepKind::optimizer_update})
        CHECK(position(k) >= 0);
    CHECK(position(StepKind::logits) < position(StepKind::loss));
    CHECK(position(StepKind::loss) < position(StepKind::grad_values));
    CHECK(position(StepKind::grad_keys) < position(StepKind::grad_parameter));
    CHECK(position(StepKind::grad_parameter) < position(StepKind::optimizer_update));
    CHECK(count_kind(trace, StepKind::softmax) == 2 * 2);  // every layer and head
    CHECK(count_kind(trace, StepKind::optimizer_update) == 2);

    // The Adam step's values follow PyTorch's rule: θ_after = θ_before − lr·m̂/(√v̂ + ε).
    for (const auto& s : trace.steps()) {
        if (s.kind != StepKind::optimizer_update) continue;
        auto value = [&](const std::string& name) {
            for (const auto& [k, v] : s.values)
                if (k == name) return v;
            FAIL("no value " << name);
            return 0.0;
        };
        const double expected = value("θ before") - 1e-2 * value("m̂") / (std::sqrt(value("v̂")) + 1e-8);
        CHECK(value("θ") == Approx(expected).epsilon(1e-5).margin(1e-7));
        CHECK(s.title.rfind("Adam update of ", 0) == 0);
    }
    CHECK_THROWS_WITH(opt_traced.step(traced.parameters(), trace, {traced.parameters().total()}),
                      Catch::Contains("outside the"));
}

TEST_CASE("train trace: a request out of range is refused; untraced steps record nothing", "[train][trace]") {
    Transformer m(small_config(false));
    m.init(1);
    const std::vector<std::int32_t> tokens = {1, 2, 3, 4, 5, 0, 1, 2, 3, 4};
    Trace trace;
    m.trace_next_step({&trace, 2, 0, 0});
    CHECK_THROWS_WITH(m.forward(tokens.data(), 2, 5),
                      Catch::Contains("the pass has 2 sequences, 2 layers and 2 heads"));
    m.trace_next_step({});
    trace.clear();
    m.forward(tokens.data(), 2, 5);
    m.cross_entropy_loss(tokens.data());
    m.backward();
    CHECK(trace.steps().empty());
}
