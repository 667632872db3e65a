// The training engine's ops (attn/train/layers.hpp) against the double reference of
// train_reference.hpp: forward values, and every gradient (input and each parameter) against
// central finite differences of the double forward.
//
// Tolerances:
//   forward:   max |float − double| ≤ 1e-5 · max(1, max |double|)
//   gradients: max |float analytic − double numeric| ≤ 1e-4 · max(1, max |numeric|),
//              numeric = (f(θ + h) − f(θ − h)) / 2h with h = 1e-5 in double, f = Σ output ⊙ R for
//              a random upstream gradient R (the losses: f = the loss). The numeric error is
//              ~1e-10; the rest is the float backward's rounding (~1e-6), so a wrong term (errors
//              of the gradient's own size) fails by orders of magnitude.
// Each gradient check was seen to fail when its backward was broken on purpose (see the commit).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

#include "attn/train/layers.hpp"
#include "reference.hpp"
#include "train_reference.hpp"

namespace {

using attn::Matrix;
using ref::Mat;
namespace nn = attn::nn;

constexpr double kForwardTol = 1e-5;
constexpr double kGradTol = 1e-4;

double scaled_diff(attn::ConstMatrixView got, const Mat& want) {
    return ref::max_abs_diff(got, want) / std::max(1.0, ref::max_abs(want));
}

// A float matrix with the same values as a double one (exact: the doubles came from floats).
Matrix to_float(const Mat& m) { return ref::to_matrix(m); }

#define CHECK_FD(result, what)                                                                                      \
    do {                                                                                                            \
        const tref::FdResult r_ = (result);                                                                         \
        INFO(what << ": max error " << r_.max_error << " at " << r_.worst << ", max |numeric| " << r_.max_numeric); \
        CHECK(r_.scaled() <= kGradTol);                                                                             \
    } while (0)

}  // namespace

TEST_CASE("train op: embedding lookup, forward and gradient by finite differences", "[train][ops]") {
    const std::size_t V = 6, d = 5, N = 8;
    Mat table = ref::of(ref::random_matrix(V, d, 11));
    const std::vector<std::int32_t> ids{3, 1, 3, 0, 5, 3, 2, 1};  // repeats accumulate
    const Mat R = ref::of(ref::random_matrix(N, d, 12));
    Matrix out(N, d), dtable(V, d, 0.0f);
    nn::embedding_forward(ids.data(), N, to_float(table), out);
    auto f = [&] {
        double s = 0;
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t j = 0; j < d; ++j) s += table(ids[i], j) * R(i, j);
        return s;
    };
    Mat want(N, d);
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < d; ++j) want(i, j) = table(ids[i], j);
    CHECK(scaled_diff(out, want) == 0.0);
    nn::embedding_backward(ids.data(), to_float(R), dtable);
    CHECK_FD(tref::finite_difference(table, tref::flat(dtable).data(), f), "d table");
}

TEST_CASE("train op: learned positions, forward and gradient by finite differences", "[train][ops]") {
    const std::size_t B = 3, n = 4, d = 5, max_len = 6;
    const Mat x = ref::of(ref::random_matrix(B * n, d, 21));
    Mat pos = ref::of(ref::random_matrix(max_len, d, 22));
    const Mat R = ref::of(ref::random_matrix(B * n, d, 23));
    Matrix y = to_float(x), dpos(max_len, d, 0.0f);
    nn::add_positions(y, n, to_float(pos));
    auto forward = [&] {
        Mat out = x;
        for (std::size_t i = 0; i < B * n; ++i)
            for (std::size_t j = 0; j < d; ++j) out(i, j) += pos(i % n, j);
        return out;
    };
    CHECK(scaled_diff(y, forward()) <= kForwardTol);
    nn::add_positions_backward(to_float(R), n, dpos);
    CHECK_FD(tref::finite_difference(pos, tref::flat(dpos).data(), [&] { return tref::dot(forward(), R); }), "d pos");
    // rows past the sequence length get no gradient
    for (std::size_t t = n; t < max_len; ++t)
        for (std::size_t j = 0; j < d; ++j) CHECK(dpos(t, j) == 0.0f);
}

TEST_CASE("train op: the sinusoidal table is sin on even columns, cos on odd, base 10000", "[train][ops]") {
    for (std::size_t d : {1u, 6u, 7u, 32u}) {
        Matrix t(20, d);
        nn::sinusoidal_table(t);
        INFO("d = " << d);
        CHECK(scaled_diff(t, tref::sinusoidal(20, d)) <= 1e-6);
        CHECK(t(0, 0) == 0.0f);                                // sin 0
        if (d > 1) CHECK(t(0, 1) == 1.0f);                     // cos 0
        CHECK(t(3, 0) == Approx(std::sin(3.0)).margin(1e-6));  // column 0: frequency 1
    }
}

TEST_CASE("train op: LayerNorm, forward and gradients of x, weight, bias by finite differences", "[train][ops]") {
    const std::size_t N = 5, d = 7;
    Mat x = ref::of(ref::random_matrix(N, d, 31, -2.0f, 2.0f));
    for (std::size_t j = 0; j < d; ++j) x(2, j) = 3.0 + 0.05 * x(2, j);  // small spread, large mean
    x = ref::of(to_float(x));  // the double reference sees exactly the float inputs
    Mat g = ref::of(ref::random_matrix(1, d, 32, 0.5f, 1.5f)), b = ref::of(ref::random_matrix(1, d, 33));
    const Mat R = ref::of(ref::random_matrix(N, d, 34));
    const Matrix xf = to_float(x), gf = to_float(g), bf = to_float(b);
    Matrix y(N, d), dx(N, d), dg(1, d, 0.0f), db(1, d, 0.0f);
    std::vector<double> mean(N), rstd(N);
    nn::layer_norm_forward(xf, gf.row(0), bf.row(0), y, mean.data(), rstd.data());
    CHECK(scaled_diff(y, tref::layer_norm(x, g, b)) <= kForwardTol);
    nn::layer_norm_backward(xf, gf.row(0), mean.data(), rstd.data(), to_float(R), dx, dg.row(0), db.row(0));
    auto f = [&] { return tref::dot(tref::layer_norm(x, g, b), R); };
    CHECK_FD(tref::finite_difference(x, tref::flat(dx).data(), f), "d x");
    CHECK_FD(tref::finite_difference(g, dg.row(0), f), "d weight");
    CHECK_FD(tref::finite_difference(b, db.row(0), f), "d bias");
}

TEST_CASE("train op: linear y = x·Wᵀ + b, forward and gradients by finite differences", "[train][ops]") {
    for (auto [N, in, out] : std::vector<std::array<std::size_t, 3>>{{5, 6, 4}, {1, 1, 3}, {17, 19, 33}}) {
        INFO("N " << N << ", in " << in << ", out " << out);
        Mat x = ref::of(ref::random_matrix(N, in, 41)), W = ref::of(ref::random_matrix(out, in, 42));
        Mat b = ref::of(ref::random_matrix(1, out, 43));
        const Mat R = ref::of(ref::random_matrix(N, out, 44));
        const Matrix xf = to_float(x), Wf = to_float(W), bf = to_float(b);
        Matrix y(N, out), dx(N, in), dW(out, in, 0.0f), db(1, out, 0.0f), scratch;
        nn::linear_forward(xf, Wf, bf.row(0), y);
        CHECK(scaled_diff(y, tref::linear(x, W, b)) <= kForwardTol);
        nn::linear_backward(xf, Wf, to_float(R), dx, dW, db.row(0), scratch);
        auto f = [&] { return tref::dot(tref::linear(x, W, b), R); };
        CHECK_FD(tref::finite_difference(x, tref::flat(dx).data(), f), "d x");
        CHECK_FD(tref::finite_difference(W, tref::flat(dW).data(), f), "d weight");
        CHECK_FD(tref::finite_difference(b, db.row(0), f), "d bias");
    }
}

TEST_CASE("train op: ReLU and exact GELU, forward and gradient by finite differences", "[train][ops]") {
    const std::size_t N = 6, d = 9;
    Mat x = ref::of(ref::random_matrix(N, d, 51, -4.0f, 4.0f));
    for (double& v : x.v)
        if (std::fabs(v) < 1e-3) v = 0.5;  // keep ReLU's kink out of the h-neighbourhood
    const Mat R = ref::of(ref::random_matrix(N, d, 52));
    for (auto a : {nn::Activation::relu, nn::Activation::gelu}) {
        INFO(nn::activation_name(a));
        auto fwd = [&] { return a == nn::Activation::relu ? tref::relu(x) : tref::gelu(x); };
        const Matrix xf = to_float(x);
        Matrix y(N, d), dx(N, d);
        nn::activation_forward(a, xf, y);
        CHECK(scaled_diff(y, fwd()) <= kForwardTol);
        nn::activation_backward(a, xf, to_float(R), dx);
        CHECK_FD(tref::finite_difference(x, tref::flat(dx).data(), [&] { return tref::dot(fwd(), R); }), "d x");
    }
    // PyTorch's convention at the kink: relu'(0) = 0
    Matrix z(1, 1, 0.0f), one(1, 1, 1.0f), dz(1, 1);
    nn::activation_backward(nn::Activation::relu, z, one, dz);
    CHECK(dz(0, 0) == 0.0f);
}

TEST_CASE("train op: multi-head self-attention, forward, weights and all five gradients by finite differences",
          "[train][ops][attention]") {
    struct Shape {
        std::size_t B, n, E, H;
        bool causal;
    };
    for (const Shape s :
         {Shape{2, 5, 8, 2, false}, Shape{2, 6, 6, 3, true}, Shape{1, 1, 4, 1, true}, Shape{3, 4, 4, 4, false}}) {
        INFO("B " << s.B << ", n " << s.n << ", E " << s.E << ", heads " << s.H << (s.causal ? ", causal" : ""));
        const std::size_t N = s.B * s.n, E = s.E;
        Mat x = ref::of(ref::random_matrix(N, E, 61));
        Mat Win = ref::of(ref::random_matrix(3 * E, E, 62, -0.8f, 0.8f)),
            bin = ref::of(ref::random_matrix(1, 3 * E, 63));
        Mat Wout = ref::of(ref::random_matrix(E, E, 64, -0.5f, 0.5f)), bout = ref::of(ref::random_matrix(1, E, 65));
        const Mat R = ref::of(ref::random_matrix(N, E, 66));
        const Matrix xf = to_float(x), Winf = to_float(Win), binf = to_float(bin), Woutf = to_float(Wout),
                     boutf = to_float(bout);
        nn::SelfAttentionWeights w;
        w.heads = s.H;
        w.in_proj_weight = Winf;
        w.in_proj_bias = binf.row(0);
        w.out_proj_weight = Woutf;
        w.out_proj_bias = boutf.row(0);
        nn::SelfAttentionCache cache;
        Matrix y(N, E), dx(N, E), dWin(3 * E, E, 0.0f), dbin(1, 3 * E, 0.0f), dWout(E, E, 0.0f), dbout(1, E, 0.0f);
        nn::self_attention_forward(xf, s.n, s.causal, w, cache, y);
        std::vector<Mat> want_w;
        const Mat want = tref::self_attention(x, s.n, s.H, s.causal, Win, bin, Wout, bout, &want_w);
        CHECK(scaled_diff(y, want) <= kForwardTol);
        for (std::size_t b = 0; b < s.B; ++b)
            for (std::size_t h = 0; h < s.H; ++h)
                CHECK(scaled_diff(cache.head_weights(b, h), want_w[b * s.H + h]) <= kForwardTol);
        nn::SelfAttentionGrads g;
        g.in_proj_weight = dWin;
        g.in_proj_bias = dbin.row(0);
        g.out_proj_weight = dWout;
        g.out_proj_bias = dbout.row(0);
        nn::self_attention_backward(xf, w, cache, to_float(R), dx, g);
        auto f = [&] { return tref::dot(tref::self_attention(x, s.n, s.H, s.causal, Win, bin, Wout, bout), R); };
        CHECK_FD(tref::finite_difference(x, tref::flat(dx).data(), f), "d x");
        CHECK_FD(tref::finite_difference(Win, tref::flat(dWin).data(), f), "d in_proj_weight");
        CHECK_FD(tref::finite_difference(bin, dbin.row(0), f), "d in_proj_bias");
        CHECK_FD(tref::finite_difference(Wout, tref::flat(dWout).data(), f), "d out_proj.weight");
        CHECK_FD(tref::finite_difference(bout, dbout.row(0), f), "d out_proj.bias");
    }
}

TEST_CASE("train op: cross-entropy with ignore index -100, loss and gradient by finite differences",
          "[train][ops][loss]") {
    const std::size_t N = 7, V = 5;
    Mat z = ref::of(ref::random_matrix(N, V, 71, -3.0f, 3.0f));
    for (std::size_t j = 0; j < V; ++j) z(3, j) += 50.0;  // large logits
    z = ref::of(to_float(z));
    const std::vector<std::int32_t> t{1, -100, 4, 0, 2, -100, 2};
    Matrix dz(N, V);
    const float loss = nn::cross_entropy(to_float(z), t.data(), dz);
    const double want = tref::cross_entropy(z, t);
    CHECK(std::fabs(loss - want) <= kForwardTol * std::max(1.0, want));
    for (std::size_t j = 0; j < V; ++j) {
        CHECK(dz(1, j) == 0.0f);  // ignored rows
        CHECK(dz(5, j) == 0.0f);
    }
    CHECK_FD(tref::finite_difference(z, tref::flat(dz).data(), [&] { return tref::cross_entropy(z, t); }), "d logits");
}

TEST_CASE("train op: mean squared error, loss and gradient by finite differences", "[train][ops][loss]") {
    const std::size_t N = 9;
    Mat p = ref::of(ref::random_matrix(N, 1, 81, -2.0f, 2.0f));
    const Matrix tm = ref::random_matrix(1, N, 82, -2.0f, 2.0f);
    const std::vector<double> t(tm.row(0), tm.row(0) + N);
    Matrix dp(N, 1);
    const float loss = nn::mean_squared_error(to_float(p), tm.row(0), dp);
    CHECK(std::fabs(loss - tref::mse(p, t)) <= kForwardTol);
    CHECK_FD(tref::finite_difference(p, tref::flat(dp).data(), [&] { return tref::mse(p, t); }), "d pred");
}

TEST_CASE("train op: bad shapes, ids and targets throw attn::Error naming the field", "[train][ops][errors]") {
    using Catch::Matchers::Contains;
    Matrix table(4, 3), out(2, 3);
    const std::int32_t bad_ids[2] = {1, 4};
    CHECK_THROWS_WITH(nn::embedding_forward(bad_ids, 2, table, out),
                      Contains("token id 4 at index 1") && Contains("[0, 4)"));
    Matrix x(5, 3), W(2, 4), y(5, 2);
    CHECK_THROWS_WITH(nn::linear_forward(x, W, nullptr, y), Contains("linear input has 3 columns"));
    Matrix logits(3, 4, 0.0f), dl(3, 4);
    const std::int32_t t_bad[3] = {0, 7, 1};
    CHECK_THROWS_WITH(nn::cross_entropy(logits, t_bad, dl), Contains("target 7 at index 1") && Contains("-100"));
    const std::int32_t t_none[3] = {-100, -100, -100};
    CHECK_THROWS_WITH(nn::cross_entropy(logits, t_none, dl), Contains("every target is the ignore index"));
    Matrix xa(6, 4), ya(6, 4), win(12, 4), wout(4, 4);
    nn::SelfAttentionWeights w;
    w.heads = 3;
    w.in_proj_weight = win;
    w.out_proj_weight = wout;
    nn::SelfAttentionCache cache;
    CHECK_THROWS_WITH(nn::self_attention_forward(xa, 3, false, w, cache, ya), Contains("heads 3 does not divide"));
    w.heads = 2;
    CHECK_THROWS_WITH(nn::self_attention_forward(xa, 4, false, w, cache, ya),
                      Contains("not a whole number of sequences"));
    Matrix pos(3, 4);
    CHECK_THROWS_WITH(nn::add_positions(xa, 6, pos), Contains("sequence length 6 exceeds max_len 3"));
}
