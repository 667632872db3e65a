// Squeeze-and-excitation and CBAM against hand-computed closed forms and against a plain
// double-precision reference written here (loops over std::vector<double>, nothing shared with
// core/src), on every backend. Also: the properties the lesson states, the trace, bad input.
//
// Tolerances: 1e-5 absolute on every result. Inputs and weights lie in [-1, 1] (or are small
// hand-picked numbers), so every value is O(1); the float pipeline (pooling, two small matmuls,
// sigmoid, a ≤ 7×7 convolution) is off by a few 1e-7 in practice.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "attn/conv_attention.hpp"
#include "attn/kernels.hpp"
#include "reference.hpp"

namespace {

constexpr double kTol = 1e-5;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

attn::FeatureMap random_map(std::size_t C, std::size_t H, std::size_t W, std::uint32_t seed) {
    attn::FeatureMap x(C, H, W);
    x.data = ref::random_matrix(C, H * W, seed);
    return x;
}

std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    auto m = ref::random_matrix(1, n, seed, lo, hi);
    return {m.row(0), m.row(0) + n};
}

attn::ChannelMLP random_mlp(std::size_t C, std::size_t hidden, std::uint32_t seed) {
    attn::ChannelMLP mlp;
    mlp.w1 = ref::random_matrix(hidden, C, seed);
    mlp.b1 = random_vector(hidden, seed + 1);
    mlp.w2 = ref::random_matrix(C, hidden, seed + 2);
    mlp.b2 = random_vector(C, seed + 3);
    return mlp;
}

attn::ChannelMLP zero_mlp(std::size_t C, std::size_t hidden) {
    attn::ChannelMLP mlp;
    mlp.w1 = attn::Matrix(hidden, C);
    mlp.b1.assign(hidden, 0.0f);
    mlp.w2 = attn::Matrix(C, hidden);
    mlp.b2.assign(C, 0.0f);
    return mlp;
}

double max_diff(const std::vector<float>& got, const std::vector<double>& want) {
    if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
    double d = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double e = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (std::isnan(e)) return std::numeric_limits<double>::infinity();
        d = std::max(d, e);
    }
    return d;
}

// ---- the double reference -----------------------------------------------------------------

// MLP(z) = W2 · ReLU(W1 · z + b1) + b2, also returning the hidden layer.
std::vector<double> ref_mlp(const std::vector<double>& z, const attn::ChannelMLP& mlp, std::vector<double>* hidden) {
    const std::size_t C = z.size(), h = mlp.w1.rows();
    std::vector<double> hid(h), out(C);
    for (std::size_t j = 0; j < h; ++j) {
        double s = mlp.b1[j];
        for (std::size_t c = 0; c < C; ++c) s += static_cast<double>(mlp.w1(j, c)) * z[c];
        hid[j] = s > 0 ? s : 0;
    }
    for (std::size_t c = 0; c < C; ++c) {
        double s = mlp.b2[c];
        for (std::size_t j = 0; j < h; ++j) s += static_cast<double>(mlp.w2(c, j)) * hid[j];
        out[c] = s;
    }
    if (hidden) *hidden = hid;
    return out;
}

struct RefSE {
    std::vector<double> z, hidden, s;
    ref::Mat y;  // (C, H·W)
};

RefSE ref_se(const attn::FeatureMap& x, const attn::ChannelMLP& mlp) {
    const std::size_t C = x.channels(), HW = x.height * x.width;
    RefSE r;
    r.z.assign(C, 0.0);
    for (std::size_t c = 0; c < C; ++c) {
        for (std::size_t y = 0; y < x.height; ++y)
            for (std::size_t i = 0; i < x.width; ++i) r.z[c] += x.at(c, y, i);
        r.z[c] /= static_cast<double>(HW);
    }
    r.s = ref_mlp(r.z, mlp, &r.hidden);
    for (double& v : r.s) v = sigmoid(v);
    r.y = ref::Mat(C, HW);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < HW; ++p) r.y(c, p) = r.s[c] * x.data(c, p);
    return r;
}

struct RefCBAM {
    std::vector<double> avg, max, s;
    ref::Mat refined, A, Mx, M, y;
};

RefCBAM ref_cbam(const attn::FeatureMap& x, const attn::ChannelMLP& mlp, const attn::SpatialConv& conv) {
    const std::size_t C = x.channels(), H = x.height, W = x.width, HW = H * W;
    RefCBAM r;
    r.avg.assign(C, 0.0);
    r.max.assign(C, -std::numeric_limits<double>::infinity());
    for (std::size_t c = 0; c < C; ++c) {
        for (std::size_t p = 0; p < HW; ++p) {
            r.avg[c] += x.data(c, p);
            r.max[c] = std::max(r.max[c], static_cast<double>(x.data(c, p)));
        }
        r.avg[c] /= static_cast<double>(HW);
    }
    const auto ma = ref_mlp(r.avg, mlp, nullptr), mm = ref_mlp(r.max, mlp, nullptr);
    r.s.resize(C);
    for (std::size_t c = 0; c < C; ++c) r.s[c] = sigmoid(ma[c] + mm[c]);
    r.refined = ref::Mat(C, HW);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < HW; ++p) r.refined(c, p) = r.s[c] * x.data(c, p);
    r.A = ref::Mat(H, W);
    r.Mx = ref::Mat(H, W, -std::numeric_limits<double>::infinity());
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t i = 0; i < W; ++i) {
            for (std::size_t c = 0; c < C; ++c) {
                r.A(y, i) += r.refined(c, y * W + i) / static_cast<double>(C);
                r.Mx(y, i) = std::max(r.Mx(y, i), r.refined(c, y * W + i));
            }
        }
    // Cross-correlation with zero padding: tap (i, j) reads the pixel at offset (i − k/2, j − k/2).
    const long k = static_cast<long>(conv.kernel_size), p = k / 2;
    auto get = [&](const ref::Mat& m, long y, long i) {
        return y < 0 || i < 0 || y >= static_cast<long>(H) || i >= static_cast<long>(W) ? 0.0 : m(y, i);
    };
    r.M = ref::Mat(H, W);
    for (long y = 0; y < static_cast<long>(H); ++y)
        for (long i = 0; i < static_cast<long>(W); ++i) {
            double s = conv.bias;
            for (long a = 0; a < k; ++a)
                for (long b = 0; b < k; ++b) {
                    s += conv.weights[a * k + b] * get(r.A, y + a - p, i + b - p);
                    s += conv.weights[k * k + a * k + b] * get(r.Mx, y + a - p, i + b - p);
                }
            r.M(y, i) = sigmoid(s);
        }
    r.y = ref::Mat(C, HW);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t q = 0; q < HW; ++q) r.y(c, q) = r.M(q / W, q % W) * r.refined(c, q);
    return r;
}

}  // namespace

// ============================================================================================
// SE
// ============================================================================================

TEST_CASE("SE closed form: constant channels, hand-picked MLP", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        // channel 0 is all 1, channel 1 all 2  →  z = (1, 2)
        attn::FeatureMap x(2, 2, 3);
        for (std::size_t p = 0; p < 6; ++p) {
            x.data(0, p) = 1.0f;
            x.data(1, p) = 2.0f;
        }
        attn::ChannelMLP mlp;
        mlp.w1 = attn::Matrix::from_rows({{0.5f, -0.25f}, {-1.0f, 0.0f}});
        mlp.b1 = {0.25f, 0.5f};
        mlp.w2 = attn::Matrix::from_rows({{2.0f, 100.0f}, {-4.0f, 100.0f}});
        mlp.b2 = {0.0f, 0.5f};
        // hidden_0 = ReLU(0.5·1 − 0.25·2 + 0.25) = 0.25
        // hidden_1 = ReLU(−1·1 + 0·2 + 0.5)     = 0     (so its weight 100 must not matter)
        // s_0 = σ(2·0.25 + 0)    = σ(0.5)
        // s_1 = σ(−4·0.25 + 0.5) = σ(−0.5)
        const double s0 = 1.0 / (1.0 + std::exp(-0.5)), s1 = 1.0 / (1.0 + std::exp(0.5));
        const auto r = attn::squeeze_excitation(x, mlp);
        CHECK(max_diff(r.pooled, {1.0, 2.0}) <= kTol);
        CHECK(max_diff(r.hidden, {0.25, 0.0}) <= kTol);
        CHECK(max_diff(r.weights, {s0, s1}) <= kTol);
        REQUIRE(r.output.channels() == 2);
        CHECK(r.output.height == 2);
        CHECK(r.output.width == 3);
        for (std::size_t y = 0; y < 2; ++y)
            for (std::size_t i = 0; i < 3; ++i) {
                CHECK(std::fabs(r.output.at(0, y, i) - s0 * 1.0) <= kTol);
                CHECK(std::fabs(r.output.at(1, y, i) - s1 * 2.0) <= kTol);
            }
    }
}

TEST_CASE("SE matches the double reference on random sizes", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        std::uint32_t seed = 1000;
        for (std::size_t C : {3, 4, 8, 17}) {
            for (std::size_t r : {1, 2, 4, 16}) {
                const std::size_t hidden = std::max<std::size_t>(1, C / r);
                for (std::size_t H : {1, 5, 7}) {
                    for (std::size_t W : {1, 5, 7}) {
                        seed += 10;
                        const auto x = random_map(C, H, W, seed);
                        const auto mlp = random_mlp(C, hidden, seed + 5);
                        const auto got = attn::squeeze_excitation(x, mlp);
                        const auto want = ref_se(x, mlp);
                        INFO(backend << " C=" << C << " C/r=" << hidden << " H=" << H << " W=" << W);
                        REQUIRE(max_diff(got.pooled, want.z) <= kTol);
                        REQUIRE(max_diff(got.hidden, want.hidden) <= kTol);
                        REQUIRE(max_diff(got.weights, want.s) <= kTol);
                        REQUIRE(got.output.data.rows() == C);
                        REQUIRE(got.output.data.cols() == H * W);
                        REQUIRE(ref::max_abs_diff(got.output.data, want.y) <= kTol);
                    }
                }
            }
        }
    }
}

TEST_CASE("SE properties: weights in (0,1), output is exactly s_c · x_c, W2 = 0 with large b2 is ~identity", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        const auto x = random_map(9, 5, 7, 7);
        const auto mlp = random_mlp(9, 3, 8);
        const auto r = attn::squeeze_excitation(x, mlp);
        for (std::size_t c = 0; c < 9; ++c) {
            CHECK(r.weights[c] > 0.0f);
            CHECK(r.weights[c] < 1.0f);
            for (std::size_t p = 0; p < 35; ++p) REQUIRE(r.output.data(c, p) == r.weights[c] * x.data(c, p));
        }

        auto identity = random_mlp(9, 3, 9);
        identity.w2 = attn::Matrix(9, 3);  // W2 = 0
        identity.b2.assign(9, 30.0f);      // s = σ(30) = 1 − 9.4e-14, which rounds to 1 in float
        const auto id = attn::squeeze_excitation(x, identity);
        for (std::size_t c = 0; c < 9; ++c) CHECK(std::fabs(id.weights[c] - 1.0) <= 1e-6);
        CHECK(ref::max_abs_diff(id.output.data, ref::of(x.data)) <= 1e-6);
    }
}

TEST_CASE("SE trace: squeeze, excite (hidden, sigmoid), then scale; per-channel steps at rows detail", "[conv]") {
    const auto x = random_map(4, 3, 5, 21);
    const auto mlp = random_mlp(4, 2, 22);

    attn::Trace rows(attn::Trace::Detail::rows);
    const auto r = attn::squeeze_excitation(x, mlp, &rows);
    const auto& steps = rows.steps();
    REQUIRE(steps.size() == 3 + 4);
    CHECK_THAT(steps[0].title, Catch::Contains("squeeze"));
    CHECK_THAT(steps[1].title, Catch::Contains("hidden"));
    CHECK_THAT(steps[1].formula, Catch::Contains("ReLU"));
    CHECK_THAT(steps[2].formula, Catch::Contains("σ"));
    for (std::size_t c = 0; c < 4; ++c) {
        const auto& s = steps[3 + c];
        CHECK_THAT(s.title, Catch::Contains("scale") && Catch::Contains("channel " + std::to_string(c)));
        CHECK(s.focus.kind == attn::Focus::Kind::row);
        CHECK(s.focus.matrix == "output");
        CHECK(s.focus.row == c);
        bool found = false;
        for (const auto& v : s.values)
            if (v.first == "s_c") {
                found = true;
                CHECK(v.second == Approx(r.weights[c]));
            }
        CHECK(found);
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        CHECK(steps[i].id == i);
        CHECK(!steps[i].formula.empty());
    }
    // named matrices, with the shapes the UI expects
    REQUIRE(rows.matrix("pooled") != nullptr);
    CHECK(rows.matrix("pooled")->rows() == 1);
    CHECK(rows.matrix("pooled")->cols() == 4);
    REQUIRE(rows.matrix("channel_weights") != nullptr);
    CHECK(rows.matrix("channel_weights")->cols() == 4);
    CHECK((*rows.matrix("channel_weights"))(0, 2) == r.weights[2]);
    REQUIRE(rows.matrix("output") != nullptr);
    CHECK(rows.matrix("output")->rows() == 4);
    CHECK(rows.matrix("output")->cols() == 15);
    CHECK(!rows.truncated());

    attn::Trace coarse(attn::Trace::Detail::coarse);
    const auto rc = attn::squeeze_excitation(x, mlp, &coarse);
    CHECK(coarse.steps().size() == 4);
    // tracing does not change the numbers
    CHECK(rc.weights == r.weights);
    const auto untraced = attn::squeeze_excitation(x, mlp, nullptr);
    CHECK(untraced.weights == r.weights);
    CHECK(ref::max_abs_diff(untraced.output.data, ref::of(r.output.data)) == 0.0);
}

// ============================================================================================
// CBAM
// ============================================================================================

TEST_CASE("CBAM closed form: 3×3 kernel on a 2×3×3 map, taps off-centre, zero padding at the borders", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        attn::FeatureMap x(2, 3, 3);
        const float ch0[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
        const float ch1[3][3] = {{9, 0, 1}, {0, 2, 0}, {3, 0, 4}};
        for (std::size_t y = 0; y < 3; ++y)
            for (std::size_t i = 0; i < 3; ++i) {
                x.at(0, y, i) = ch0[y][i];
                x.at(1, y, i) = ch1[y][i];
            }
        // An all-zero MLP: s_c = σ(MLP(avg) + MLP(max)) = σ(0 + 0) = 1/2, so x' = x / 2.
        const auto mlp = zero_mlp(2, 1);
        attn::SpatialConv conv;
        conv.kernel_size = 3;
        conv.weights.assign(18, 0.0f);
        conv.weights[0 * 3 + 0] = 0.1f;       // avg kernel, top-left: reads A[y−1, x−1]
        conv.weights[1 * 3 + 1] = 0.2f;       // avg kernel, centre:   reads A[y, x]
        conv.weights[9 + 2 * 3 + 1] = -0.3f;  // max kernel, bottom-middle: reads Mx[y+1, x]
        conv.bias = -0.5f;

        const auto r = attn::cbam(x, mlp, conv);
        CHECK(max_diff(r.channel_weights, {0.5, 0.5}) <= kTol);
        CHECK(max_diff(r.avg_pooled, {45.0 / 9, 19.0 / 9}) <= kTol);
        CHECK(max_diff(r.max_pooled, {9.0, 9.0}) <= kTol);

        // A = mean_c x'_c = (ch0 + ch1) / 4,  Mx = max_c x'_c = max(ch0, ch1) / 2
        auto A = [&](long y, long i) { return y < 0 || i < 0 || y > 2 || i > 2 ? 0.0 : (ch0[y][i] + ch1[y][i]) / 4.0; };
        auto Mx = [&](long y, long i) {
            return y < 0 || i < 0 || y > 2 || i > 2 ? 0.0 : std::max(ch0[y][i], ch1[y][i]) / 2.0;
        };
        for (long y = 0; y < 3; ++y)
            for (long i = 0; i < 3; ++i) {
                INFO("y=" << y << " x=" << i);
                CHECK(std::fabs(r.spatial_avg(y, i) - A(y, i)) <= kTol);
                CHECK(std::fabs(r.spatial_max(y, i) - Mx(y, i)) <= kTol);
                const double L = -0.5 + 0.1 * A(y - 1, i - 1) + 0.2 * A(y, i) - 0.3 * Mx(y + 1, i);
                CHECK(std::fabs(r.spatial_weights(y, i) - sigmoid(L)) <= kTol);
                for (std::size_t c = 0; c < 2; ++c) {
                    const double xc = (c == 0 ? ch0 : ch1)[y][i];
                    CHECK(std::fabs(r.channel_refined.at(c, y, i) - 0.5 * xc) <= kTol);
                    CHECK(std::fabs(r.output.at(c, y, i) - sigmoid(L) * 0.5 * xc) <= kTol);
                }
            }
        // Two cells by hand:
        //   (0,0): top-left tap is padding; A[0,0] = (1+9)/4 = 2.5; Mx[1,0] = max(4,0)/2 = 2
        //          L = −0.5 + 0.2·2.5 − 0.3·2 = −0.6
        //   (2,2): bottom tap is padding; A[1,1] = (5+2)/4 = 1.75; A[2,2] = (9+4)/4 = 3.25
        //          L = −0.5 + 0.1·1.75 + 0.2·3.25 = 0.325
        CHECK(std::fabs(r.spatial_weights(0, 0) - 1.0 / (1.0 + std::exp(0.6))) <= kTol);
        CHECK(std::fabs(r.spatial_weights(2, 2) - 1.0 / (1.0 + std::exp(-0.325))) <= kTol);
    }
}

TEST_CASE("CBAM closed form: an all-ones 3×3 kernel counts the in-bounds neighbours (zero padding)", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        attn::FeatureMap x(1, 3, 3);
        x.data.fill(1.0f);
        attn::SpatialConv conv;
        conv.kernel_size = 3;
        conv.weights.assign(18, 0.0f);
        for (std::size_t i = 0; i < 9; ++i) conv.weights[i] = 0.25f;  // avg kernel only
        // x' = x/2 everywhere, so L[y,x] = 0.25 · 0.5 · (neighbours inside the map):
        // corners 4, edges 6, centre 9.
        const int neighbours[3][3] = {{4, 6, 4}, {6, 9, 6}, {4, 6, 4}};
        const auto r = attn::cbam(x, zero_mlp(1, 1), conv);
        for (std::size_t y = 0; y < 3; ++y)
            for (std::size_t i = 0; i < 3; ++i) {
                const double M = sigmoid(0.125 * neighbours[y][i]);
                CHECK(std::fabs(r.spatial_weights(y, i) - M) <= kTol);
                CHECK(std::fabs(r.output.at(0, y, i) - M * 0.5) <= kTol);
            }
    }
}

TEST_CASE("CBAM matches the double reference on random inputs", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        std::uint32_t seed = 5000;
        for (std::size_t C : {1, 3, 8, 17}) {
            for (std::size_t H : {1, 5, 7}) {
                for (std::size_t W : {1, 5, 7}) {
                    for (std::size_t k : {1, 3, 7}) {
                        seed += 10;
                        const std::size_t hidden = std::max<std::size_t>(1, C / 2);
                        const auto x = random_map(C, H, W, seed);
                        const auto mlp = random_mlp(C, hidden, seed + 1);
                        attn::SpatialConv conv;
                        conv.kernel_size = k;
                        conv.weights = random_vector(2 * k * k, seed + 6, -0.5f, 0.5f);
                        conv.bias = random_vector(1, seed + 7)[0];
                        const auto got = attn::cbam(x, mlp, conv);
                        const auto want = ref_cbam(x, mlp, conv);
                        INFO(backend << " C=" << C << " H=" << H << " W=" << W << " k=" << k);
                        REQUIRE(max_diff(got.avg_pooled, want.avg) <= kTol);
                        REQUIRE(max_diff(got.max_pooled, want.max) <= kTol);
                        REQUIRE(max_diff(got.channel_weights, want.s) <= kTol);
                        REQUIRE(ref::max_abs_diff(got.channel_refined.data, want.refined) <= kTol);
                        REQUIRE(got.spatial_avg.rows() == H);
                        REQUIRE(got.spatial_avg.cols() == W);
                        REQUIRE(ref::max_abs_diff(got.spatial_avg, want.A) <= kTol);
                        REQUIRE(ref::max_abs_diff(got.spatial_max, want.Mx) <= kTol);
                        REQUIRE(ref::max_abs_diff(got.spatial_weights, want.M) <= kTol);
                        REQUIRE(got.output.data.rows() == C);
                        REQUIRE(got.output.data.cols() == H * W);
                        REQUIRE(ref::max_abs_diff(got.output.data, want.y) <= kTol);
                    }
                }
            }
        }
    }
}

TEST_CASE("CBAM properties: weights in (0,1); x' = s ⊙ x and y = M ⊙ x' exactly", "[conv]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        const auto x = random_map(6, 5, 4, 31);
        attn::SpatialConv conv;
        conv.kernel_size = 5;
        conv.weights = random_vector(50, 32, -0.3f, 0.3f);
        const auto r = attn::cbam(x, random_mlp(6, 2, 33), conv);
        for (std::size_t c = 0; c < 6; ++c) {
            CHECK(r.channel_weights[c] > 0.0f);
            CHECK(r.channel_weights[c] < 1.0f);
        }
        for (std::size_t y = 0; y < 5; ++y)
            for (std::size_t i = 0; i < 4; ++i) {
                const float M = r.spatial_weights(y, i);
                CHECK(M > 0.0f);
                CHECK(M < 1.0f);
                for (std::size_t c = 0; c < 6; ++c) {
                    REQUIRE(r.channel_refined.at(c, y, i) == r.channel_weights[c] * x.at(c, y, i));
                    REQUIRE(r.output.at(c, y, i) == M * r.channel_refined.at(c, y, i));
                }
            }
    }
}

TEST_CASE("CBAM trace: the ten stages in UI order, per-channel scale steps at rows detail", "[conv]") {
    const auto x = random_map(3, 4, 5, 41);
    const auto mlp = random_mlp(3, 1, 42);
    attn::SpatialConv conv;
    conv.kernel_size = 3;
    conv.weights = random_vector(18, 43);

    attn::Trace coarse(attn::Trace::Detail::coarse);
    const auto r = attn::cbam(x, mlp, conv, &coarse);
    const std::vector<std::string> stages = {"average pool", "max pool",     "shared MLP",  "sigmoid channel weights",
                                             "scale",        "channel-mean", "channel-max", "3×3 convolution",
                                             "sigmoid",      "apply"};
    REQUIRE(coarse.steps().size() == stages.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
        INFO("step " << i);
        CHECK_THAT(coarse.steps()[i].title, Catch::Contains(stages[i]));
        CHECK(!coarse.steps()[i].formula.empty());
    }
    for (const char* name : {"avg_pooled", "max_pooled", "channel_weights", "channel_refined", "spatial_avg",
                             "spatial_max", "spatial_weights", "output"})
        CHECK(coarse.matrix(name) != nullptr);
    CHECK(coarse.matrix("spatial_avg")->rows() == 4);
    CHECK(coarse.matrix("spatial_avg")->cols() == 5);
    CHECK((*coarse.matrix("spatial_weights"))(3, 4) == r.spatial_weights(3, 4));
    CHECK(coarse.matrix("output")->rows() == 3);
    CHECK(coarse.matrix("output")->cols() == 20);

    attn::Trace rows(attn::Trace::Detail::rows);
    attn::cbam(x, mlp, conv, &rows);
    REQUIRE(rows.steps().size() == stages.size() - 1 + 3);
    for (std::size_t c = 0; c < 3; ++c) {
        const auto& s = rows.steps()[4 + c];
        CHECK_THAT(s.title, Catch::Contains("scale") && Catch::Contains("channel " + std::to_string(c)));
        CHECK(s.focus.kind == attn::Focus::Kind::row);
        CHECK(s.focus.row == c);
    }
    CHECK_THAT(rows.steps()[7].title, Catch::Contains("channel-mean"));

    // A small step cap truncates instead of growing.
    attn::Trace capped(attn::Trace::Detail::cells, 2);
    attn::cbam(x, mlp, conv, &capped);
    CHECK(capped.steps().size() == 2);
    CHECK(capped.truncated());
}

// ============================================================================================
// Bad input
// ============================================================================================

TEST_CASE("conv attention: bad shapes and values throw attn::Error naming the parameter and sizes", "[conv]") {
    const auto x = random_map(8, 3, 3, 51);
    const auto good = random_mlp(8, 2, 52);
    attn::SpatialConv conv;
    conv.kernel_size = 3;
    conv.weights.assign(18, 0.1f);

    SECTION("MLP shapes") {
        auto m = good;
        m.w1 = attn::Matrix(2, 7);
        CHECK_THROWS_AS(attn::squeeze_excitation(x, m), attn::Error);
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE w1 is 2×7, expected 2×8"));
        CHECK_THROWS_WITH(attn::cbam(x, m, conv), Catch::Contains("CBAM w1 is 2×7, expected 2×8"));

        m = good;
        m.w1 = attn::Matrix();
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE w1 is 0×0") && Catch::Contains("≥ 1"));

        m = good;
        m.b1.assign(3, 0.0f);
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE b1 has 3 values, expected 2"));

        m = good;
        m.w2 = attn::Matrix(8, 3);
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE w2 is 8×3, expected 8×2"));
        m.w2 = attn::Matrix(2, 8);  // transposed
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE w2 is 2×8, expected 8×2"));

        m = good;
        m.b2.assign(7, 0.0f);
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE b2 has 7 values, expected 8"));

        // The public check, without the SE/CBAM prefix.
        CHECK_NOTHROW(good.check(8));
        CHECK_THROWS_WITH(good.check(5), Catch::Contains("channel MLP w1 is 2×8, expected 2×5"));
    }

    SECTION("non-finite weights") {
        auto m = good;
        m.w2(0, 1) = std::numeric_limits<float>::quiet_NaN();
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE w2[0][1] is NaN"));
        m = good;
        m.b1[1] = std::numeric_limits<float>::infinity();
        CHECK_THROWS_WITH(attn::squeeze_excitation(x, m), Catch::Contains("SE b1[1] is infinite"));
        auto c = conv;
        c.weights[4] = std::numeric_limits<float>::quiet_NaN();
        CHECK_THROWS_WITH(attn::cbam(x, good, c), Catch::Contains("CBAM spatial conv weights[4] is NaN"));
        c = conv;
        c.bias = std::numeric_limits<float>::infinity();
        CHECK_THROWS_WITH(attn::cbam(x, good, c), Catch::Contains("bias is infinite"));
    }

    SECTION("spatial kernel") {
        auto c = conv;
        c.kernel_size = 4;
        c.weights.assign(32, 0.0f);
        CHECK_THROWS_AS(attn::cbam(x, good, c), attn::Error);
        CHECK_THROWS_WITH(attn::cbam(x, good, c),
                          Catch::Contains("CBAM spatial conv kernel_size is 4") && Catch::Contains("odd"));
        c.kernel_size = 0;
        c.weights.clear();
        CHECK_THROWS_WITH(attn::cbam(x, good, c), Catch::Contains("kernel_size is 0"));

        c = conv;
        c.weights.assign(17, 0.0f);
        CHECK_THROWS_WITH(attn::cbam(x, good, c),
                          Catch::Contains("CBAM spatial conv weights has 17 values, expected 2·3·3 = 18"));
        c.weights.assign(9, 0.0f);  // one k×k kernel instead of two
        CHECK_THROWS_WITH(attn::cbam(x, good, c), Catch::Contains("has 9 values, expected 2·3·3 = 18"));

        CHECK_NOTHROW(conv.check());
        c.kernel_size = 2;
        CHECK_THROWS_WITH(c.check(), Catch::Contains("spatial conv kernel_size is 2"));
    }

    SECTION("input map") {
        auto bad = x;
        bad.at(1, 2, 0) = std::numeric_limits<float>::quiet_NaN();
        CHECK_THROWS_AS(attn::squeeze_excitation(bad, good), attn::Error);
        CHECK_THROWS_WITH(attn::squeeze_excitation(bad, good),
                          Catch::Contains("SE input has NaN at channel 1, pixel (y=2, x=0)"));
        CHECK_THROWS_WITH(attn::cbam(bad, good, conv), Catch::Contains("CBAM input has NaN at channel 1"));
        bad = x;
        bad.at(7, 0, 2) = -std::numeric_limits<float>::infinity();
        CHECK_THROWS_WITH(attn::squeeze_excitation(bad, good), Catch::Contains("infinite value at channel 7"));

        CHECK_THROWS_WITH(attn::squeeze_excitation(attn::FeatureMap(0, 3, 3), good),
                          Catch::Contains("SE input has 0 channels"));
        CHECK_THROWS_WITH(attn::squeeze_excitation(attn::FeatureMap(8, 0, 3), good),
                          Catch::Contains("SE input is 0×3 pixels"));
        CHECK_THROWS_WITH(attn::cbam(attn::FeatureMap(8, 3, 0), good, conv),
                          Catch::Contains("CBAM input is 3×0 pixels"));

        bad = x;
        bad.width = 4;  // data no longer matches H·W
        CHECK_THROWS_WITH(attn::squeeze_excitation(bad, good), Catch::Contains("SE input data is 8×9, expected 8×12"));

        // The MLP is checked against the map's channel count.
        CHECK_THROWS_WITH(attn::squeeze_excitation(random_map(5, 3, 3, 53), good),
                          Catch::Contains("SE w1 is 2×8, expected 2×5"));
    }
}
