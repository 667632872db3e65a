// The whole Transformer (attn/train/transformer.hpp): PyTorch's names and shapes, every
// parameter's gradient against central finite differences of the double reference model
// (train_reference.hpp), attention weights, errors, determinism, no allocation once warm, the
// task generators, and a short training run whose loss must fall below a stated value.
//
// Finite differences: h = 1e-5 in double on the reference model's loss;
// max |float analytic − numeric| ≤ 1e-4 · max(1, max |numeric|) per parameter tensor
// (seen: ~1e-6). The logits must match the reference within 1e-5 · max(1, max |logit|).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "attn/train/optim.hpp"
#include "attn/train/rng.hpp"
#include "attn/train/tasks.hpp"
#include "attn/train/dates.hpp"
#include "attn/train/seq2seq.hpp"
#include "attn/train/transformer.hpp"
#include "train_reference.hpp"

// Counts every allocation of the test program, so a test can assert that a warm training step
// allocates nothing. Replacing the global operator new/delete is allowed once per program; not
// under the sanitizers, whose runtimes replace them already (ASan then reports new/free
// mismatches), so there the allocation check is skipped.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ATTN_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ATTN_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef ATTN_TEST_COUNTS_ALLOCATIONS
#define ATTN_TEST_COUNTS_ALLOCATIONS 1
#endif

namespace {
std::atomic<std::size_t> g_allocations{0};
}
#if ATTN_TEST_COUNTS_ALLOCATIONS
// GCC 12 sees the free() below inlined into callers of the replaced operator new and warns that a
// pointer from operator new reaches free(): here operator new is malloc, so the pair matches.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace {

using attn::ModelInput;
using attn::Positions;
using attn::Transformer;
using attn::TransformerConfig;
namespace nn = attn::nn;

constexpr double kGradTol = 1e-4;
constexpr double kForwardTol = 1e-5;

TransformerConfig small_config(ModelInput input, Positions pos, nn::Activation act, bool causal) {
    TransformerConfig c;
    c.input = input;
    c.vocab = 7;
    c.d_model = 8;
    c.heads = 2;
    c.d_ff = 16;
    c.layers = 2;
    c.max_len = 6;
    c.positions = pos;
    c.activation = act;
    c.causal = causal;
    return c;
}

// Every parameter random (attn::Rng: the same values natively and in wasm), LayerNorm weights
// around 1, so every gradient path carries signal (PyTorch's init zeroes some biases).
void randomize(attn::Parameters& ps, std::uint64_t seed) {
    attn::Rng rng(seed);
    for (std::size_t i = 0; i < ps.size(); ++i) {
        const auto& info = ps.info(i);
        const bool norm_weight =
            info.name.find("norm") != std::string::npos && info.name.find("weight") != std::string::npos;
        const double scale = info.shape.size() == 2 ? 1.0 / std::sqrt(static_cast<double>(info.shape[1])) : 0.2;
        for (std::size_t k = 0; k < info.count; ++k)
            ps.value(i)[k] =
                static_cast<float>(norm_weight ? 1.0 + rng.uniform(-0.3, 0.3)
                                               : rng.uniform(-1.0, 1.0) *
                                                     (info.name.find("emb") != std::string::npos ? 1.0 : 1.5 * scale));
    }
}

}  // namespace

TEST_CASE("train model: parameters carry PyTorch's state_dict names and shapes, in its order", "[train][model]") {
    TransformerConfig c;
    c.vocab = 11;
    c.d_model = 12;
    c.heads = 3;
    c.d_ff = 20;
    c.layers = 2;
    c.max_len = 9;
    using Shape = std::vector<std::size_t>;
    std::vector<std::pair<std::string, Shape>> want{{"tok_emb.weight", {11, 12}}, {"pos_emb.weight", {9, 12}}};
    for (int l = 0; l < 2; ++l) {
        const std::string p = "layers." + std::to_string(l) + ".";
        want.insert(want.end(), {{p + "self_attn.in_proj_weight", {36, 12}},
                                 {p + "self_attn.in_proj_bias", {36}},
                                 {p + "self_attn.out_proj.weight", {12, 12}},
                                 {p + "self_attn.out_proj.bias", {12}},
                                 {p + "linear1.weight", {20, 12}},
                                 {p + "linear1.bias", {20}},
                                 {p + "linear2.weight", {12, 20}},
                                 {p + "linear2.bias", {12}},
                                 {p + "norm1.weight", {12}},
                                 {p + "norm1.bias", {12}},
                                 {p + "norm2.weight", {12}},
                                 {p + "norm2.bias", {12}}});
    }
    want.insert(want.end(),
                {{"norm.weight", {12}}, {"norm.bias", {12}}, {"head.weight", {11, 12}}, {"head.bias", {11}}});
    const Transformer m(c);
    REQUIRE(m.parameters().size() == want.size());
    std::size_t total = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        CHECK(m.parameters().info(i).name == want[i].first);
        CHECK(m.parameters().info(i).shape == want[i].second);
        CHECK(m.parameters().info(i).offset == total);  // contiguous, in order
        total += m.parameters().info(i).count;
    }
    CHECK(m.parameters().total() == total);

    // sinusoidal positions have no tensor; the series variant reads and writes one value
    c.positions = Positions::sinusoidal;
    c.input = ModelInput::series;
    const Transformer s(c);
    CHECK(s.parameters().find("pos_emb.weight") == attn::Parameters::npos);
    CHECK(s.parameters().find("tok_emb.weight") == attn::Parameters::npos);
    CHECK(s.parameters().info(s.parameters().index("in_proj.weight")).shape == Shape{12, 1});
    CHECK(s.parameters().info(s.parameters().index("in_proj.bias")).shape == Shape{12});
    CHECK(s.parameters().info(s.parameters().index("head.weight")).shape == Shape{1, 12});
    CHECK(s.parameters().info(s.parameters().index("head.bias")).shape == Shape{1});
}

TEST_CASE("train model: every parameter's gradient matches finite differences of the double model (1e-4)",
          "[train][model][fd]") {
    struct Variant {
        ModelInput input;
        Positions pos;
        nn::Activation act;
        bool causal;
        const char* label;
    };
    for (const Variant v :
         {Variant{ModelInput::tokens, Positions::learned, nn::Activation::relu, false, "relu, learned"},
          Variant{ModelInput::tokens, Positions::sinusoidal, nn::Activation::gelu, true, "gelu, sinusoidal, causal"},
          Variant{ModelInput::series, Positions::learned, nn::Activation::gelu, true,
                  "series, gelu, learned, causal"}}) {
        INFO(v.label);
        const TransformerConfig c = small_config(v.input, v.pos, v.act, v.causal);
        Transformer m(c);
        randomize(m.parameters(), 7);
        const std::size_t B = 2, n = 5, N = B * n;
        attn::Rng rng(99);
        std::vector<std::int32_t> x(N), t(N);
        std::vector<float> xv(N), tv(N);
        std::vector<double> xd(N), td(N);
        for (std::size_t i = 0; i < N; ++i) {
            x[i] = static_cast<std::int32_t>(rng.below(c.vocab));
            t[i] = i == 3 ? -100 : static_cast<std::int32_t>(rng.below(c.vocab));
            xd[i] = xv[i] = static_cast<float>(rng.uniform(-1.5, 1.5));
            td[i] = tv[i] = static_cast<float>(rng.uniform(-1.5, 1.5));
        }
        const bool tokens = v.input == ModelInput::tokens;
        if (tokens) {
            m.forward(x.data(), B, n);
            m.cross_entropy_loss(t.data());
        } else {
            m.forward_series(xv.data(), B, n);
            m.mse_loss(tv.data());
        }
        m.backward();
        tref::Tensors p = tref::tensors_of(m.parameters());
        const tref::Mat logits = tref::model_forward(c, p, x, xd, B, n);
        CHECK(ref::max_abs_diff(m.output(), logits) / std::max(1.0, ref::max_abs(logits)) <= kForwardTol);
        auto loss = [&] {
            const tref::Mat z = tref::model_forward(c, p, x, xd, B, n);
            return tokens ? tref::cross_entropy(z, t) : tref::mse(z, td);
        };
        const attn::Parameters& ps = m.parameters();
        for (std::size_t i = 0; i < ps.size(); ++i) {
            const tref::FdResult r = tref::finite_difference(p.at(ps.info(i).name), ps.grad(i), loss);
            INFO(ps.info(i).name << ": max error " << r.max_error << " at " << r.worst << ", max |numeric| "
                                 << r.max_numeric);
            CHECK(r.scaled() <= kGradTol);
        }
    }
}

TEST_CASE("train model: attention weights are row-stochastic, and causal ones are zero above the diagonal",
          "[train][model][attention]") {
    for (bool causal : {false, true}) {
        Transformer m(small_config(ModelInput::tokens, Positions::learned, nn::Activation::relu, causal));
        m.init(3);
        const std::vector<std::int32_t> x{1, 2, 3, 4, 5, 6, 0, 1, 2, 3};
        m.forward(x.data(), 2, 5);
        for (std::size_t l = 0; l < 2; ++l)
            for (std::size_t b = 0; b < 2; ++b)
                for (std::size_t h = 0; h < 2; ++h) {
                    const attn::ConstMatrixView p = m.attention(l, b, h);
                    REQUIRE(p.rows == 5);
                    REQUIRE(p.cols == 5);
                    for (std::size_t i = 0; i < 5; ++i) {
                        double s = 0;
                        for (std::size_t j = 0; j < 5; ++j) {
                            s += p(i, j);
                            if (causal && j > i) CHECK(p(i, j) == 0.0f);
                        }
                        CHECK(s == Approx(1.0).margin(1e-6));
                    }
                }
        CHECK_THROWS_WITH(m.attention(2, 0, 0), Catch::Contains("layer 2 requested, the model has 2"));
        CHECK_THROWS_WITH(m.attention(0, 2, 0), Catch::Contains("sequence 2, head 0"));
    }
}

TEST_CASE("train model: bad configurations and batches throw attn::Error naming the field", "[train][model][errors]") {
    using Catch::Contains;
    TransformerConfig c;
    c.heads = 3;
    CHECK_THROWS_WITH(Transformer(c), Contains("heads is 3, which does not divide d_model 32"));
    c = TransformerConfig{};
    c.layers = 0;
    CHECK_THROWS_WITH(Transformer(c), Contains("layers is 0"));
    c = TransformerConfig{};
    c.vocab = 1;
    CHECK_THROWS_WITH(Transformer(c), Contains("vocab is 1"));

    Transformer m(small_config(ModelInput::tokens, Positions::learned, nn::Activation::relu, false));
    m.init(1);
    std::vector<std::int32_t> x{1, 2, 7, 0};
    CHECK_THROWS_WITH(m.forward(x.data(), 2, 2), Contains("tokens[1][0] = 7 is outside the vocabulary [0, 7)"));
    x[2] = -1;
    CHECK_THROWS_WITH(m.forward(x.data(), 2, 2), Contains("tokens[1][0] = -1"));
    std::vector<std::int32_t> longer(7, 0);
    CHECK_THROWS_WITH(m.forward(longer.data(), 1, 7), Contains("sequence length 7 exceeds max_len 6"));
    CHECK_THROWS_WITH(m.forward(longer.data(), 0, 3), Contains("batch is 0 sequences"));
    x[2] = 3;
    m.forward(x.data(), 2, 2);
    CHECK_THROWS_WITH(m.backward(), Contains("needs a forward pass and a loss"));
    const std::vector<std::int32_t> t{0, 9, -100, 1};
    CHECK_THROWS_WITH(m.cross_entropy_loss(t.data()), Contains("targets[0][1] = 9") && Contains("-100"));
    const std::vector<float> values{0.f, 1.f, 2.f, 3.f};
    CHECK_THROWS_WITH(m.forward_series(values.data(), 2, 2), Contains("reads tokens, not series values"));

    Transformer s(small_config(ModelInput::series, Positions::learned, nn::Activation::relu, true));
    const std::vector<float> bad{0.f, NAN, 1.f, 2.f};
    CHECK_THROWS_WITH(s.forward_series(bad.data(), 2, 2), Contains("values[0][1] is nan"));
    s.forward_series(values.data(), 2, 2);
    const std::vector<float> bad_t{0.f, 1.f, INFINITY, 2.f};
    CHECK_THROWS_WITH(s.mse_loss(bad_t.data()), Contains("targets[1][0] is infinite"));

    attn::Parameters ps;
    ps.add("a", {2, 3});
    CHECK_THROWS_WITH(ps.add("a", {1}), Contains("'a' is defined twice"));
    ps.value(0)[4] = NAN;
    CHECK_THROWS_WITH(ps.require_finite_values(), Contains("parameter a[1][1] is nan"));
    CHECK_THROWS_WITH(ps.index("b"), Contains("no parameter named 'b'"));

    attn::AdamConfig bad_adam;
    bad_adam.beta2 = 1.0;
    CHECK_THROWS_WITH(attn::Adam(bad_adam), Contains("beta2 is 1"));
    CHECK_THROWS_WITH(attn::parse_task("mirror"), Contains("unknown task 'mirror'"));
    attn::TaskConfig tc;
    tc.kind = attn::TaskKind::induction;
    tc.length = 4;
    tc.k = 3;
    CHECK_THROWS_WITH(tc.check(), Contains("length + 1 ≥ 2k"));
}

TEST_CASE("train tasks: copy, reverse, sort, induction and series batches have their defining properties",
          "[train][tasks]") {
    attn::Rng rng(5);
    attn::TaskBatch b;
    attn::TaskConfig t;
    t.length = 7;
    t.vocab = 9;
    for (auto kind : {attn::TaskKind::copy, attn::TaskKind::reverse, attn::TaskKind::sort}) {
        t.kind = kind;
        attn::generate_batch(t, 20, rng, b);
        INFO(attn::task_name(kind));
        REQUIRE(b.input.size() == 140);
        for (std::size_t s = 0; s < 20; ++s) {
            std::vector<std::int32_t> in(b.input.begin() + s * 7, b.input.begin() + s * 7 + 7);
            std::vector<std::int32_t> out(b.target.begin() + s * 7, b.target.begin() + s * 7 + 7);
            for (auto v : in) CHECK((v >= 0 && v < 9));
            if (kind == attn::TaskKind::reverse) std::reverse(in.begin(), in.end());
            if (kind == attn::TaskKind::sort) std::sort(in.begin(), in.end());
            CHECK(in == out);
        }
    }
    t.kind = attn::TaskKind::induction;
    t.length = 12;
    t.k = 4;
    attn::generate_batch(t, 50, rng, b);
    for (std::size_t s = 0; s < 50; ++s) {
        const std::int32_t* in = b.input.data() + s * 12;
        const std::int32_t* out = b.target.data() + s * 12;
        const std::uint8_t* sc = b.scored.data() + s * 12;
        for (std::size_t i = 0; i + 1 < 12; ++i) CHECK(out[i] == in[i + 1]);  // next-token targets
        std::size_t scored = 0, first = 12;
        for (std::size_t i = 0; i < 12; ++i)
            if (sc[i]) {
                ++scored;
                first = std::min(first, i);
            }
        CHECK(scored == 3);  // k − 1 predictable tokens, consecutive
        // the copy starts at tokens[first] and repeats an earlier segment of k tokens
        std::vector<std::int32_t> tokens(in, in + 12);
        tokens.push_back(out[11]);
        bool found = false;
        for (std::size_t p = 0; p + 4 <= first; ++p)
            found = found || std::equal(tokens.begin() + p, tokens.begin() + p + 4, tokens.begin() + first);
        CHECK(found);
    }
    t.kind = attn::TaskKind::series;
    attn::generate_batch(t, 10, rng, b);
    REQUIRE(b.input_values.size() == 120);
    for (std::size_t i = 0; i < 120; ++i) {
        CHECK(std::isfinite(b.input_values[i]));
        CHECK(std::fabs(b.input_values[i]) < 2.0f);
        if (i % 12 != 11) CHECK(b.target_values[i] == b.input_values[i + 1]);
    }
    // the same seed gives the same batch
    attn::Rng r1(42), r2(42);
    attn::TaskBatch b1, b2;
    t.kind = attn::TaskKind::sort;
    attn::generate_batch(t, 8, r1, b1);
    attn::generate_batch(t, 8, r2, b2);
    CHECK(b1.input == b2.input);
}

namespace {

struct RunResult {
    std::vector<float> losses;
    std::vector<float> final_values;
    std::size_t allocations_cold = 0;  // the first two steps (buffers and moments are made)
    std::size_t allocations_after_warm = 0;
};

// reverse (length 6, vocab 8), d_model 32, 2 heads, d_ff 64, 1 layer; AdamW lr 3e-3 with
// warm-up 20 and clip 1; batch 32; seed for init and data; the model on `threads` threads.
RunResult train_reverse(std::size_t steps, std::uint64_t seed, std::size_t threads = 1) {
    TransformerConfig c;
    c.vocab = 8;
    c.d_model = 32;
    c.heads = 2;
    c.d_ff = 64;
    c.layers = 1;
    c.max_len = 6;
    Transformer m(c);
    m.init(seed);
    m.set_threads(threads);
    attn::AdamConfig ac = attn::AdamConfig::adamw(3e-3);
    ac.clip_norm = 1.0;
    ac.warmup_steps = 20;
    attn::Adam adam(ac);
    attn::TaskConfig task;
    task.kind = attn::TaskKind::reverse;
    task.length = 6;
    task.vocab = 8;
    attn::Rng data(seed + 1);
    attn::TaskBatch batch;
    RunResult r;
    r.losses.reserve(steps);
    std::size_t before = g_allocations.load();
    for (std::size_t s = 0; s < steps; ++s) {
        if (s == 2) {
            r.allocations_cold = g_allocations.load() - before;
            before = g_allocations.load();
        }
        attn::generate_batch(task, 32, data, batch);
        m.forward(batch.input.data(), batch.size, batch.length);
        r.losses.push_back(m.cross_entropy_loss(batch.target.data()));
        m.backward();
        adam.step(m.parameters());
    }
    r.allocations_after_warm = g_allocations.load() - before;
    r.final_values.assign(m.parameters().values(), m.parameters().values() + m.parameters().total());
    return r;
}

}  // namespace

TEST_CASE(
    "train run: reverse (length 6, vocab 8) goes from loss ≈ ln 8 to below 0.05 in 150 AdamW steps, "
    "deterministically and without allocating once warm",
    "[train][run]") {
    // Seen natively (seeds 2026, 1, 7): mean loss of steps 141..150 about 0.006 to 0.008.
    const RunResult a = train_reverse(150, 2026);
    REQUIRE(a.losses.size() == 150);
    INFO("first loss " << a.losses.front() << ", last " << a.losses.back());
    CHECK(a.losses.front() > 1.5f);  // ≈ ln 8 = 2.08 at the start
    float tail = 0;                  // mean of the last 10 steps
    for (std::size_t i = 140; i < 150; ++i) tail += a.losses[i] / 10.0f;
    INFO("mean loss of the last 10 steps " << tail);
    CHECK(tail < 0.05f);
    if (ATTN_TEST_COUNTS_ALLOCATIONS) {
        CHECK(a.allocations_cold > 0);  // the counter counts
        CHECK(a.allocations_after_warm == 0);
    }
    // the same seed reproduces the run bit for bit
    const RunResult b = train_reverse(30, 2026);
    for (std::size_t i = 0; i < 30; ++i) CHECK(b.losses[i] == a.losses[i]);
}

TEST_CASE("train run: on 2 threads a warm step allocates nothing either, and the run is the 1-thread run's",
          "[train][run][threads]") {
    // The first two steps start the pool's workers and give each worker its attention scratch;
    // after that the layers hand the pool a reference (no std::function allocation) and reuse
    // every buffer. 2 threads are threaded on any machine with 2 cores or more.
    const std::size_t previous = nn::set_min_parallel_work(0);  // every op on the pool, however small
    const RunResult one = train_reverse(40, 7), two = train_reverse(40, 7, 2);
    nn::set_min_parallel_work(previous);
    if (ATTN_TEST_COUNTS_ALLOCATIONS) CHECK(two.allocations_after_warm == 0);
    for (std::size_t i = 0; i < 40; ++i) CHECK(two.losses[i] == one.losses[i]);
    REQUIRE(two.final_values.size() == one.final_values.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < one.final_values.size(); ++i) differ += two.final_values[i] != one.final_values[i];
    CHECK(differ == 0);
}

TEST_CASE(
    "seq2seq run: once warm, forward, loss, backward and Adam allocate nothing (sources of any length up to "
    "the warm one)",
    "[train][seq2seq][run]") {
    attn::Seq2SeqConfig c;
    c.source_vocab = attn::dates::source_vocabulary().size();
    c.target_vocab = attn::dates::target_vocabulary().size();
    c.emb = 4;
    c.enc_hidden = 5;
    c.dec_hidden = 6;
    c.attn_hidden = 3;
    attn::Seq2Seq m(c);
    m.init(1);
    attn::Adam adam(attn::AdamConfig::adam(1e-2));
    attn::Rng rng(3);
    std::vector<attn::dates::Batch> batches(6);
    for (auto& b : batches) attn::dates::generate_batch(16, rng, b);
    // warm on the batch with the longest sources
    std::size_t longest = 0;
    for (std::size_t i = 0; i < batches.size(); ++i)
        if (batches[i].source_length > batches[longest].source_length) longest = i;
    auto step = [&](const attn::dates::Batch& b) {
        m.forward(b.source.data(), b.lengths.data(), b.size, b.source_length, b.target.data(), b.target_length);
        m.cross_entropy_loss();
        m.backward();
        adam.step(m.parameters());
    };
    std::size_t before = g_allocations.load();
    step(batches[longest]);
    step(batches[longest]);
    const std::size_t cold = g_allocations.load() - before;
    before = g_allocations.load();
    for (const auto& b : batches) step(b);
    const std::size_t warm = g_allocations.load() - before;
    if (ATTN_TEST_COUNTS_ALLOCATIONS) {
        CHECK(cold > 0);
        CHECK(warm == 0);
    }
}

TEST_CASE("train model: micro-batches backpropagated with weights c_i/C add up to the whole batch's gradient",
          "[train][model]") {
    // A causal token batch of 7 sequences whose targets are mostly ignored (as induction's), in
    // micro-batches of 3, 3 and 1 rows holding different numbers of counted targets: each
    // micro-batch's mean loss weighted by its share c_i/C of the C counted targets sums to the whole
    // batch's mean loss, and its weighted gradients to the whole batch's gradient (≤ 1e-6 of the
    // gradient's scale). Weighting by rows instead (m_i/B) must not: the check can fail.
    // The series model (MSE over every value) likewise, where c_i/C = m_i/B.
    for (const bool tokens : {true, false}) {
        INFO((tokens ? "tokens, cross-entropy with ignored targets" : "series, MSE"));
        const TransformerConfig c = small_config(tokens ? ModelInput::tokens : ModelInput::series, Positions::learned,
                                                 nn::Activation::gelu, true);
        Transformer m(c);
        randomize(m.parameters(), 5);
        const std::size_t B = 7, n = 6, N = B * n;
        attn::Rng rng(23);
        std::vector<std::int32_t> x(N), t(N);
        std::vector<float> xv(N), tv(N);
        std::size_t counted = 0;
        for (std::size_t i = 0; i < N; ++i) {
            x[i] = static_cast<std::int32_t>(rng.below(c.vocab));
            // sequence b counts its first b % 4 + (b == 0) targets only: 1, 1, 2, 3, 0, 1, 2 (4, 4, 2)
            const std::size_t b = i / n, pos = i % n;
            const bool keep = pos < b % 4 + (b == 0 ? 1 : 0);
            t[i] = keep ? static_cast<std::int32_t>(rng.below(c.vocab)) : -100;
            counted += keep;
            xv[i] = static_cast<float>(rng.uniform(-1.5, 1.5));
            tv[i] = static_cast<float>(rng.uniform(-1.5, 1.5));
        }
        if (!tokens) counted = N;
        auto pass = [&](std::size_t first, std::size_t rows) {
            if (tokens) {
                m.forward(x.data() + first * n, rows, n);
                return static_cast<double>(m.cross_entropy_loss(t.data() + first * n));
            }
            m.forward_series(xv.data() + first * n, rows, n);
            return static_cast<double>(m.mse_loss(tv.data() + first * n));
        };
        const double whole_loss = pass(0, B);
        m.backward();
        const attn::Parameters& p = m.parameters();
        const std::vector<float> whole(p.grads(), p.grads() + p.total());
        double scale = 1;
        for (float g : whole) scale = std::max(scale, static_cast<double>(std::fabs(g)));
        auto split_error = [&](bool by_targets, double& split_loss) {
            split_loss = 0;
            std::size_t first = 0;
            for (const std::size_t rows : {3, 3, 1}) {
                std::size_t c_i = rows * n;
                if (tokens)
                    c_i = static_cast<std::size_t>(std::count_if(t.begin() + first * n, t.begin() + (first + rows) * n,
                                                                 [](int v) { return v != -100; }));
                const double w = by_targets ? static_cast<double>(c_i) / counted : static_cast<double>(rows) / B;
                split_loss += pass(first, rows) * w;
                m.backward(static_cast<float>(w), /*accumulate=*/first > 0);
                first += rows;
            }
            double err = 0;
            for (std::size_t i = 0; i < whole.size(); ++i)
                err = std::max(err, std::fabs(static_cast<double>(p.grads()[i]) - whole[i]));
            return err / scale;
        };
        double split_loss = 0;
        const double err = split_error(true, split_loss);
        INFO("max |split − whole| / scale " << err << " (gradient scale " << scale << ")");
        CHECK(split_loss == Approx(whole_loss).epsilon(1e-6));
        CHECK(err < 1e-6);
        double rows_loss = 0;
        const double rows_err = split_error(false, rows_loss);
        if (tokens) {
            CHECK(rows_err > 1e-3);  // the counts differ from the rows' shares: weighting by rows is wrong
            CHECK(std::fabs(rows_loss - whole_loss) > 1e-3);
        } else {
            CHECK(rows_err < 1e-6);  // every value counts: the same weights
        }
    }
    // Without accumulate the gradients start afresh; the weight scales them; a bad weight throws.
    Transformer m(small_config(ModelInput::tokens, Positions::learned, nn::Activation::relu, false));
    randomize(m.parameters(), 9);
    const std::vector<std::int32_t> x = {1, 2, 3, 4}, t = {2, -100, 4, 5};
    m.forward(x.data(), 1, 4);
    m.cross_entropy_loss(t.data());
    m.backward();
    const attn::Parameters& p = m.parameters();
    const std::vector<float> once(p.grads(), p.grads() + p.total());
    double scale = 1;
    for (float g : once) scale = std::max(scale, static_cast<double>(std::fabs(g)));
    auto error_from = [&](double factor) {  // max |grad − factor·once| / scale
        double err = 0;
        for (std::size_t i = 0; i < once.size(); ++i)
            err = std::max(err, std::fabs(static_cast<double>(p.grads()[i]) - factor * once[i]));
        return err / scale;
    };
    m.backward(0.25f);
    CHECK(error_from(0.25) < 1e-6);
    m.backward(1.0f, true);
    CHECK(error_from(1.25) < 1e-6);
    CHECK(error_from(1.0) > 1e-3);  // the check can fail
    CHECK_THROWS_WITH(m.backward(NAN), Catch::Contains("weight is not finite"));
}
