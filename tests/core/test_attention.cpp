// Single-head attention: every score function vs a double reference, masks, and the
// properties attention must have whatever the implementation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "attn/attention.hpp"
#include "attn/kernels.hpp"
#include "attn/tiled.hpp"
#include "reference.hpp"

namespace {

// Independent double-precision scores for every kind.
ref::Mat ref_scores(const attn::Matrix& q, const attn::Matrix& k, const attn::ScoreParams& p) {
    const ref::Mat Q = ref::of(q), K = ref::of(k);
    ref::Mat s(q.rows(), k.rows());
    for (std::size_t i = 0; i < q.rows(); ++i)
        for (std::size_t j = 0; j < k.rows(); ++j) {
            double x = 0;
            switch (p.kind) {
                case attn::Score::dot:
                case attn::Score::scaled_dot:
                    for (std::size_t c = 0; c < q.cols(); ++c) x += Q(i, c) * K(j, c);
                    if (p.kind == attn::Score::scaled_dot) x /= std::sqrt(static_cast<double>(k.cols()));
                    break;
                case attn::Score::cosine: {
                    double nq = 0, nk = 0;
                    for (std::size_t c = 0; c < q.cols(); ++c) {
                        x += Q(i, c) * K(j, c);
                        nq += Q(i, c) * Q(i, c);
                        nk += K(j, c) * K(j, c);
                    }
                    x = (nq > 0 && nk > 0) ? x / std::sqrt(nq * nk) : 0.0;
                    break;
                }
                case attn::Score::general:
                    for (std::size_t a = 0; a < q.cols(); ++a)
                        for (std::size_t b = 0; b < k.cols(); ++b) x += Q(i, a) * p.W(a, b) * K(j, b);
                    break;
                case attn::Score::additive:
                    for (std::size_t h = 0; h < p.v.size(); ++h) {
                        double u = 0;
                        for (std::size_t a = 0; a < q.cols(); ++a) u += p.W_q(h, a) * Q(i, a);
                        for (std::size_t b = 0; b < k.cols(); ++b) u += p.W_k(h, b) * K(j, b);
                        x += p.v[h] * std::tanh(u);
                    }
                    break;
            }
            s(i, j) = x / p.temperature;
        }
    return s;
}

attn::ScoreParams params_for(attn::Score kind, std::size_t dq, std::size_t dk, std::uint32_t seed) {
    attn::ScoreParams p;
    p.kind = kind;
    if (kind == attn::Score::general) p.W = ref::random_matrix(dq, dk, seed);
    if (kind == attn::Score::additive) {
        const std::size_t h = 5;
        p.W_q = ref::random_matrix(h, dq, seed + 1);
        p.W_k = ref::random_matrix(h, dk, seed + 2);
        auto v = ref::random_matrix(1, h, seed + 3);
        p.v.assign(v.row(0), v.row(0) + h);
    }
    return p;
}

const attn::Score kAllKinds[] = {attn::Score::dot, attn::Score::scaled_dot, attn::Score::general, attn::Score::additive,
                                 attn::Score::cosine};

double row_sum(const attn::Matrix& w, std::size_t i) {
    double s = 0;
    for (std::size_t j = 0; j < w.cols(); ++j) s += w(i, j);
    return s;
}

}  // namespace

TEST_CASE("every score kind matches the double reference: scores, weights and output", "[attention]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (attn::Score kind : kAllKinds) {
            for (std::size_t L : {1, 3, 17}) {
                for (std::size_t S : {1, 7, 65}) {
                    for (std::size_t d : {1, 8, 63}) {
                        const bool same_d = kind != attn::Score::general && kind != attn::Score::additive;
                        const std::size_t dk = same_d ? d : d + 2;
                        auto q = ref::random_matrix(L, d, 10 + L + S * 3 + d * 7);
                        auto k = ref::random_matrix(S, dk, 11 + L + S * 3 + d * 7);
                        auto v = ref::random_matrix(S, 4, 12 + L + S * 3 + d * 7);
                        auto p = params_for(kind, d, dk, 13 + d);
                        p.temperature = 0.7f;
                        auto r = attn::attention(q, k, v, p);
                        auto s = ref_scores(q, k, p);
                        auto w = ref::softmax(s);
                        auto o = ref::matmul_ab(w, ref::of(v));
                        INFO(backend << " " << attn::score_name(kind) << " L=" << L << " S=" << S << " d=" << d);
                        // float scores of d products with |x| ≤ 1: error ~ d·ε; weights and
                        // outputs inherit it through a softmax with bounded derivative.
                        const double tol = 2e-6 * static_cast<double>(d + 5);
                        REQUIRE(ref::max_abs_diff(r.scores, s) <= tol);
                        REQUIRE(ref::max_abs_diff(r.weights, w) <= tol);
                        REQUIRE(ref::max_abs_diff(r.output, o) <= tol);
                    }
                }
            }
        }
    }
}

TEST_CASE("additive (Bahdanau) attention, closed form", "[attention]") {
    // h = 1, W_q = [1], W_k = [1], v = [2]: e_ij = 2·tanh(q_i + k_j).
    attn::ScoreParams p;
    p.kind = attn::Score::additive;
    p.W_q = attn::Matrix::from_rows({{1.0f}});
    p.W_k = attn::Matrix::from_rows({{1.0f}});
    p.v = {2.0f};
    auto q = attn::Matrix::from_rows({{0.5f}});
    auto k = attn::Matrix::from_rows({{-0.5f}, {0.0f}, {1.5f}});
    auto v = attn::Matrix::from_rows({{1.0f}, {2.0f}, {3.0f}});
    auto r = attn::attention(q, k, v, p);
    const double e0 = 2 * std::tanh(0.0), e1 = 2 * std::tanh(0.5), e2 = 2 * std::tanh(2.0);
    const double z = std::exp(e0) + std::exp(e1) + std::exp(e2);
    CHECK(r.scores(0, 0) == Approx(e0).margin(1e-6));
    CHECK(r.scores(0, 1) == Approx(e1).epsilon(1e-6));
    CHECK(r.scores(0, 2) == Approx(e2).epsilon(1e-6));
    CHECK(r.weights(0, 2) == Approx(std::exp(e2) / z).epsilon(1e-6));
    CHECK(r.output(0, 0) == Approx((1 * std::exp(e0) + 2 * std::exp(e1) + 3 * std::exp(e2)) / z).epsilon(1e-6));
}

TEST_CASE("dot attention with orthogonal keys, closed form", "[attention]") {
    // q = (a, 0), keys e1 and e2: weights = softmax(a, 0) = (eᵃ, 1) / (eᵃ + 1).
    const float a = 3.0f;
    attn::ScoreParams p;
    p.kind = attn::Score::dot;
    auto q = attn::Matrix::from_rows({{a, 0.0f}});
    auto k = attn::Matrix::from_rows({{1.0f, 0.0f}, {0.0f, 1.0f}});
    auto r = attn::attention(q, k, k, p);
    CHECK(r.weights(0, 0) == Approx(std::exp(3.0) / (std::exp(3.0) + 1)).epsilon(1e-6));
    CHECK(r.weights(0, 1) == Approx(1.0 / (std::exp(3.0) + 1)).epsilon(1e-6));
    // value defaults are the caller's business: here v = k, so output = weights.
    CHECK(r.output(0, 0) == Approx(r.weights(0, 0)));
}

TEST_CASE("cosine scores ignore vector length and give 0 for a zero vector", "[attention]") {
    attn::ScoreParams p;
    p.kind = attn::Score::cosine;
    auto q = attn::Matrix::from_rows({{3.0f, 4.0f}, {0.0f, 0.0f}});
    auto k = attn::Matrix::from_rows({{6.0f, 8.0f}, {-4.0f, 3.0f}, {-1.0f, 0.0f}});
    auto r = attn::attention(q, k, k, p);
    CHECK(r.scores(0, 0) == Approx(1.0));
    CHECK(r.scores(0, 1) == Approx(0.0).margin(1e-7));
    CHECK(r.scores(0, 2) == Approx(-0.6));
    for (std::size_t j = 0; j < 3; ++j) CHECK(r.scores(1, j) == 0.0f);
}

TEST_CASE("1/√d_k scaling equals plain dot with temperature √d_k", "[attention]") {
    for (std::size_t d : {1, 4, 64, 257}) {
        auto q = ref::random_matrix(5, d, 40 + d), k = ref::random_matrix(9, d, 41 + d),
             v = ref::random_matrix(9, 3, 42);
        attn::ScoreParams scaled, dot;
        scaled.kind = attn::Score::scaled_dot;
        dot.kind = attn::Score::dot;
        dot.temperature = static_cast<float>(std::sqrt(static_cast<double>(d)));
        auto a = attn::attention(q, k, v, scaled), b = attn::attention(q, k, v, dot);
        INFO("d=" << d);
        CHECK(ref::max_abs_diff(a.weights, ref::of(b.weights)) <= 1e-6);
        CHECK(ref::max_abs_diff(a.output, ref::of(b.output)) <= 1e-6);
    }
}

TEST_CASE("masks: rows sum to 1, masked weights exactly 0, fully masked rows give zero weights and output",
          "[attention][mask]") {
    const std::size_t L = 6, S = 6;
    auto q = ref::random_matrix(L, 4, 50), k = ref::random_matrix(S, 4, 51),
         v = ref::random_matrix(S, 3, 52, 1.0f, 2.0f);
    std::vector<std::uint8_t> m(L * S, 1);
    for (std::size_t j = 0; j < S; ++j) m[2 * S + j] = 0;  // row 2 fully masked
    m[0] = 0;
    const attn::Mask masks[] = {attn::Mask::causal(), attn::Mask::key_padding({false, true, false, false, true, false}),
                                attn::Mask::window(1), attn::Mask::matrix(L, S, m),
                                attn::Mask::key_padding(std::vector<bool>(S, true))};
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (const attn::Mask& mask : masks) {
            attn::ScoreParams p;
            auto r = attn::attention(q, k, v, p, mask);
            auto s = ref_scores(q, k, p);
            auto w = ref::softmax(s, [&](std::size_t i, std::size_t j) { return mask.allows(i, j); });
            INFO(backend << " mask " << mask.describe());
            CHECK(ref::max_abs_diff(r.weights, w) <= 1e-6);
            for (std::size_t i = 0; i < L; ++i) {
                bool any = false;
                for (std::size_t j = 0; j < S; ++j) {
                    if (!mask.allows(i, j)) REQUIRE(r.weights(i, j) == 0.0f);
                    any = any || mask.allows(i, j);
                }
                if (any) {
                    REQUIRE(std::fabs(row_sum(r.weights, i) - 1.0) <= 1e-5);
                } else {
                    for (std::size_t c = 0; c < 3; ++c) REQUIRE(r.output(i, c) == 0.0f);
                }
                for (std::size_t c = 0; c < 3; ++c) REQUIRE(std::isfinite(r.output(i, c)));
            }
        }
    }
}

TEST_CASE("mask semantics: causal is j ≤ i, window is |i − j| ≤ w, also when L ≠ S", "[mask]") {
    auto c = attn::Mask::causal();
    CHECK(c.allows(2, 2));
    CHECK(c.allows(2, 0));
    CHECK_FALSE(c.allows(2, 3));
    auto w = attn::Mask::window(2);
    CHECK(w.allows(5, 3));
    CHECK(w.allows(3, 5));
    CHECK_FALSE(w.allows(5, 2));
    CHECK_FALSE(w.allows(0, 3));
    CHECK(w.first_key(5) == 3);
    CHECK(w.last_key(5, 100) == 8);
    CHECK(w.last_key(5, 7) == 7);
    CHECK(c.last_key(3, 10) == 4);
    CHECK(c.last_key(30, 10) == 10);
    CHECK_THROWS_WITH(attn::Mask::key_padding({true}).check(2, 3), "mask has 1 key padding entries, key has 3 rows");
    CHECK_THROWS_WITH(attn::Mask::matrix(2, 2, {1, 1, 1, 1}).check(2, 3),
                      Catch::Contains("mask matrix is 2×2, expected 2×3"));
}

TEST_CASE(
    "masks of key ranges allow exactly the keys from first_key up to last_key, and other kinds are not key ranges",
    "[mask]") {
    const std::size_t L = 9, S = 7;
    std::vector<std::uint8_t> allowed(L * S, 1);
    allowed[3] = 0;
    const attn::Mask ranged[] = {attn::Mask::none(), attn::Mask::causal(), attn::Mask::window(0), attn::Mask::window(2),
                                 attn::Mask::window(20)};
    for (const auto& m : ranged) {
        INFO(m.describe());
        REQUIRE(m.is_key_range());
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t j = 0; j < S; ++j)
                REQUIRE(m.allows(i, j) == (j >= m.first_key(i) && j < m.last_key(i, S)));
    }
    CHECK_FALSE(attn::Mask::key_padding({false, true, false, false, false, false, false}).is_key_range());
    CHECK_FALSE(attn::Mask::matrix(L, S, allowed).is_key_range());
}

TEST_CASE("permuting keys and values together leaves the output unchanged", "[attention][property]") {
    const std::size_t S = 11;
    auto q = ref::random_matrix(4, 6, 60), k = ref::random_matrix(S, 6, 61), v = ref::random_matrix(S, 5, 62);
    std::vector<std::size_t> perm(S);
    std::iota(perm.begin(), perm.end(), 0);
    std::reverse(perm.begin(), perm.end());
    std::swap(perm[0], perm[5]);
    attn::Matrix kp(S, 6), vp(S, 5);
    for (std::size_t j = 0; j < S; ++j) {
        std::copy(k.row(perm[j]), k.row(perm[j]) + 6, kp.row(j));
        std::copy(v.row(perm[j]), v.row(perm[j]) + 5, vp.row(j));
    }
    for (attn::Score kind : kAllKinds) {
        auto p = params_for(kind, 6, 6, 63);
        auto a = attn::attention(q, k, v, p), b = attn::attention(q, kp, vp, p);
        INFO(attn::score_name(kind));
        CHECK(ref::max_abs_diff(a.output, ref::of(b.output)) <= 1e-6);
        for (std::size_t j = 0; j < S; ++j) CHECK(b.weights(2, j) == Approx(a.weights(2, perm[j])).margin(1e-7));
    }
}

TEST_CASE("self-attention (q = k = v) is permutation equivariant", "[attention][property]") {
    const std::size_t N = 9;
    auto x = ref::random_matrix(N, 8, 70);
    std::vector<std::size_t> perm{3, 7, 0, 8, 1, 5, 2, 6, 4};
    attn::Matrix xp(N, 8);
    for (std::size_t i = 0; i < N; ++i) std::copy(x.row(perm[i]), x.row(perm[i]) + 8, xp.row(i));
    attn::ScoreParams p;
    auto a = attn::attention(x, x, x, p), b = attn::attention(xp, xp, xp, p);
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t c = 0; c < 8; ++c) REQUIRE(b.output(i, c) == Approx(a.output(perm[i], c)).margin(1e-6));
}

TEST_CASE("tiled attention equals the plain path within 1e-5 for every mask, size and tile shape", "[tiled]") {
    const attn::TileConfig tile_shapes[] = {{64, 64}, {1, 1}, {3, 5}, {16, 7}, {200, 200}};
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t L : {1, 7, 65, 130}) {
            for (std::size_t S : {1, 3, 64, 131}) {
                const std::size_t d = 16;
                auto q = ref::random_matrix(L, d, 80 + L, -2, 2), k = ref::random_matrix(S, d, 81 + S, -2, 2);
                auto v = ref::random_matrix(S, 9, 82 + S);
                std::vector<bool> pad(S, false);
                for (std::size_t j = 0; j < S; j += 3) pad[j] = true;
                std::vector<std::uint8_t> m(L * S);
                for (std::size_t i = 0; i < m.size(); ++i) m[i] = (i * 7919 % 5) != 0;
                const attn::Mask masks[] = {attn::Mask::none(), attn::Mask::causal(), attn::Mask::key_padding(pad),
                                            attn::Mask::window(2), attn::Mask::matrix(L, S, m)};
                for (const attn::Mask& mask : masks) {
                    attn::ScoreParams p;
                    auto plain = attn::attention(q, k, v, p, mask);
                    for (const auto& t : tile_shapes) {
                        auto o = attn::tiled_attention(q, k, v, 1.0f / 4.0f, mask, t);
                        INFO(backend << " L=" << L << " S=" << S << " mask " << mask.describe() << " tiles "
                                     << t.block_q << "×" << t.block_k);
                        REQUIRE(ref::max_abs_diff(o, ref::of(plain.output)) <= 1e-5);
                    }
                }
            }
        }
    }
}

TEST_CASE("bad input is reported with the field and the sizes", "[attention][errors]") {
    attn::ScoreParams p;
    auto q = ref::random_matrix(2, 4, 1), k = ref::random_matrix(3, 5, 2), v = ref::random_matrix(3, 2, 3);
    CHECK_THROWS_WITH(attn::attention(q, k, v, p), Catch::Contains("key has 5 columns, query has 4"));
    auto k4 = ref::random_matrix(3, 4, 2), v2 = ref::random_matrix(2, 2, 3);
    CHECK_THROWS_WITH(attn::attention(q, k4, v2, p), "value has 2 rows, key has 3");
    p.temperature = 0.0f;
    CHECK_THROWS_WITH(attn::attention(q, k4, v, p), Catch::Contains("temperature must be a finite number"));
    p.temperature = 1e-40f;  // subnormal: 1/T would overflow
    CHECK_THROWS_WITH(attn::attention(q, k4, v, p), Catch::Contains("temperature must be a finite number"));
    p.temperature = 1.0f;
    p.kind = attn::Score::general;
    p.W = attn::Matrix(3, 4);
    CHECK_THROWS_WITH(attn::attention(q, k4, v, p), "W is 3×4, expected 4×4");
    p.kind = attn::Score::additive;
    p.W_q = attn::Matrix(2, 4);
    p.W_k = attn::Matrix(2, 4);
    p.v = {1.0f};
    CHECK_THROWS_WITH(attn::attention(q, k4, v, p), "v has 1 entries, W_q has 2 rows");
    p.kind = attn::Score::dot;
    q(1, 2) = NAN;
    CHECK_THROWS_WITH(attn::attention(q, k4, v, p), "query[1][2] is NaN");
    auto huge = attn::Matrix::from_rows({{1e30f, 1e30f}});
    attn::ScoreParams dot;
    dot.kind = attn::Score::dot;
    CHECK_THROWS_WITH(attn::attention(huge, huge, huge, dot), Catch::Contains("scores[0][0] overflows float"));
    CHECK_THROWS_WITH(attn::parse_score("bilinear"), Catch::Contains("unknown attention kind 'bilinear'"));
    CHECK_THROWS_WITH(attn::Matrix(1u << 14, 1u << 13), Catch::Contains("more than the limit"));
}

namespace {
// The Error `f` throws (fails the test when it throws none).
template <class F>
attn::Error error_of(F f) {
    try {
        f();
    } catch (const attn::Error& e) {
        return e;
    }
    FAIL("no attn::Error thrown");
    return attn::Error("");
}
}  // namespace

TEST_CASE("errors carry the input they are about: field() and problem() make up what()", "[attention][errors]") {
    struct Case {
        attn::Error error;
        const char* field;
        const char* problem;
    };
    auto q = ref::random_matrix(2, 4, 1), k = ref::random_matrix(3, 4, 2), v = ref::random_matrix(3, 2, 3);
    attn::ScoreParams p;
    attn::ScoreParams cold;
    cold.temperature = -1.0f;
    attn::ScoreParams general;
    general.kind = attn::Score::general;
    general.W = attn::Matrix(3, 4);
    attn::ScoreParams additive;
    additive.kind = attn::Score::additive;
    additive.W_q = attn::Matrix(2, 4);
    additive.W_k = attn::Matrix(2, 4);
    additive.v = {1.0f, NAN};
    auto q_nan = q;
    q_nan(1, 2) = NAN;
    auto huge = attn::Matrix::from_rows({{1e30f, 1e30f}});
    attn::ScoreParams dot;
    dot.kind = attn::Score::dot;
    const Case cases[] = {
        {error_of([&] { attn::attention(q, ref::random_matrix(3, 5, 2), v, p); }), "key",
         "has 5 columns, query has 4 (scaled_dot attention needs equal sizes)"},
        {error_of([&] { attn::attention(q, k, ref::random_matrix(2, 2, 3), p); }), "value", "has 2 rows, key has 3"},
        {error_of([&] { attn::attention(q, k, v, cold); }), "temperature", "must be a finite number ≥ 1.2e-38, got -1"},
        {error_of([&] { attn::attention(q, k, v, general); }), "W", "is 3×4, expected 4×4"},
        {error_of([&] { attn::attention(q, k, v, additive); }), "v", "[1] is not finite"},
        {error_of([&] { attn::attention(q_nan, k, v, p); }), "query", "[1][2] is NaN"},
        {error_of([&] { attn::attention(huge, huge, huge, dot); }), "scores",
         "[0][0] overflows float: the inputs are too large for this score function"},
        {error_of([&] { attn::attention(q, k, v, p, attn::Mask::key_padding({true})); }), "mask",
         "has 1 key padding entries, key has 3 rows"},
        {error_of([&] {
             attn::attention(q, k, v, p, attn::Mask::matrix(2, 2, {1, 1, 1, 1}));
         }),
         "mask", "matrix is 2×2, expected 2×3 (query rows × key rows)"},
        {error_of([&] {
             attn::tiled_attention(q, k, v, 1.0f, attn::Mask::none(), attn::TileConfig{0, 4});
         }),
         "tiles", "block_q and block_k must be at least 1"},
    };
    for (const Case& c : cases) {
        INFO(c.error.what());
        CHECK(c.error.field() == c.field);
        CHECK(c.error.problem() == c.problem);
        const std::string joined = std::string(c.field) + (c.problem[0] == '[' ? "" : " ") + c.problem;
        CHECK(c.error.what() == joined);
    }
    // About no single input: no field, and what() is the whole message.
    const attn::Error big = error_of([] { attn::Matrix(1u << 14, 1u << 13); });
    CHECK(big.field().empty());
    CHECK(big.problem() == big.what());
    CHECK_THAT(big.what(), Catch::StartsWith("matrix would have 16384×8192 elements"));
}

TEST_CASE("empty query or key sets give empty or zero results, never NaN", "[attention][edge]") {
    attn::ScoreParams p;
    auto q = ref::random_matrix(0, 4, 1), k = ref::random_matrix(3, 4, 2);
    auto r = attn::attention(q, k, k, p);
    CHECK(r.weights.rows() == 0);
    auto q2 = ref::random_matrix(2, 4, 1), k0 = ref::random_matrix(0, 4, 2);
    auto r2 = attn::attention(q2, k0, k0, p);
    CHECK(r2.weights.cols() == 0);
    CHECK(r2.output.rows() == 2);
}

// [SECTION] numerical edge cases: extreme temperatures, subnormal inputs, infinities

namespace {

// Weights must be the softmax of the scores the core computed (a double softmax of its float
// scores), whatever the conditioning; the scores themselves must match the double reference to a
// relative 1e-5. Together they bound everything without a tolerance that depends on the data.
void check_consistent(const attn::Matrix& q, const attn::Matrix& k, const attn::Matrix& v, const attn::ScoreParams& p,
                      const attn::AttentionResult& r) {
    const ref::Mat want_scores = ref_scores(q, k, p);
    for (std::size_t i = 0; i < r.scores.rows(); ++i)
        for (std::size_t j = 0; j < r.scores.cols(); ++j) {
            REQUIRE(std::isfinite(r.scores(i, j)));
            CHECK(std::abs(r.scores(i, j) - want_scores(i, j)) <= 1e-5 * std::max(1.0, std::abs(want_scores(i, j))));
        }
    const ref::Mat w = ref::softmax(ref::of(r.scores));
    CHECK(ref::max_abs_diff(r.weights, w) <= 1e-6);
    CHECK(ref::max_abs_diff(r.output, ref::matmul_ab(w, ref::of(v))) <= 1e-5);
    for (std::size_t i = 0; i < r.weights.rows(); ++i) {
        CHECK(std::abs(row_sum(r.weights, i) - 1.0) <= 1e-5);
        for (std::size_t j = 0; j < r.weights.cols(); ++j) CHECK((r.weights(i, j) >= 0.0f && r.weights(i, j) <= 1.0f));
        for (std::size_t c = 0; c < r.output.cols(); ++c) CHECK(std::isfinite(r.output(i, c)));
    }
}

}  // namespace

TEST_CASE("temperature from 1e-6 to 1e6: finite weights, the softmax of the scores, for every kind",
          "[attention][edge]") {
    const auto q = ref::random_matrix(4, 6, 71), k = ref::random_matrix(7, 6, 72), v = ref::random_matrix(7, 5, 73);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (attn::Score kind : kAllKinds)
            for (int e = -6; e <= 6; ++e) {
                INFO(backend << " " << attn::score_name(kind) << " T = 1e" << e);
                attn::ScoreParams p = params_for(kind, 6, 6, 74);
                p.temperature = static_cast<float>(std::pow(10.0, e));
                check_consistent(q, k, v, p, attn::attention(q, k, v, p));
            }
    }
}

TEST_CASE("temperature limits in closed form: 1e6 gives the mean of the values, 1e-6 the best key's value",
          "[attention][edge]") {
    // q = e0, key j = (0.1·j, ...): score j = 0.1·j exactly separated, the last key the best.
    attn::Matrix q(1, 3), k(5, 3);
    q(0, 0) = 1.0f;
    for (std::size_t j = 0; j < 5; ++j) k(j, 0) = 0.1f * static_cast<float>(j), k(j, 1) = 0.5f;
    const auto v = ref::random_matrix(5, 4, 75);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        INFO(backend);
        attn::ScoreParams p;
        p.kind = attn::Score::dot;
        p.temperature = 1e6f;
        const auto hot = attn::attention(q, k, v, p);
        p.temperature = 1e-6f;
        const auto cold = attn::attention(q, k, v, p);
        for (std::size_t c = 0; c < 4; ++c) {
            double mean = 0;
            for (std::size_t j = 0; j < 5; ++j) mean += v(j, c) / 5.0;
            CHECK(hot.output(0, c) == Approx(mean).margin(1e-6));
            CHECK(cold.output(0, c) == v(4, c));  // e^(−1e5) is exactly 0 in float
        }
        for (std::size_t j = 0; j < 5; ++j) CHECK(hot.weights(0, j) == Approx(0.2).margin(1e-6));
        CHECK(cold.weights(0, 4) == 1.0f);
        // The tiled fast path with the same extreme scales (scale = 1/T).
        const auto t_hot = attn::tiled_attention(q, k, v, 1e-6f);
        const auto t_cold = attn::tiled_attention(q, k, v, 1e6f);
        CHECK(ref::max_abs_diff(t_hot, ref::of(hot.output)) <= 1e-6);
        CHECK(ref::max_abs_diff(t_cold, ref::of(cold.output)) == 0.0);
    }
}

TEST_CASE("subnormal inputs give finite results equal to the double reference", "[attention][edge]") {
    const float tiny = std::numeric_limits<float>::denorm_min() * 1000.0f;  // ≈ 1.4e-42, subnormal
    REQUIRE(std::fpclassify(tiny) == FP_SUBNORMAL);
    attn::Matrix q(3, 4), k(6, 4), v = ref::random_matrix(6, 4, 76);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t c = 0; c < 4; ++c) q(i, c) = tiny * static_cast<float>(i + c + 1);
    for (std::size_t j = 0; j < 6; ++j)
        for (std::size_t c = 0; c < 4; ++c) k(j, c) = (j % 2 ? -tiny : tiny) * static_cast<float>(c + 1);
    attn::Matrix v_tiny(6, 4);  // subnormal values: the output is a weighted mean of them
    for (std::size_t j = 0; j < 6; ++j)
        for (std::size_t c = 0; c < 4; ++c) v_tiny(j, c) = tiny * static_cast<float>(j + 1);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (attn::Score kind : kAllKinds) {
            INFO(backend << " " << attn::score_name(kind));
            const attn::ScoreParams p = params_for(kind, 4, 4, 77);
            // q·k underflows to 0 (or to a subnormal): the weights must then be uniform-ish and valid.
            check_consistent(q, k, v, p, attn::attention(q, k, v, p));
            const auto r = attn::attention(ref::random_matrix(3, 4, 78), ref::random_matrix(6, 4, 79), v_tiny, p);
            for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t c = 0; c < 4; ++c) {
                    CHECK(std::isfinite(r.output(i, c)));
                    CHECK(std::abs(r.output(i, c)) <= 6.0f * tiny);
                }
        }
        const auto t = attn::tiled_attention(q, k, v, 1.0f);
        const auto plain = attn::attention(q, k, v, attn::ScoreParams{});
        CHECK(ref::max_abs_diff(t, ref::of(plain.output)) <= 1e-6);
    }
}

TEST_CASE("infinite inputs are refused with the field and position, never turned into NaN",
          "[attention][edge][errors]") {
    const auto q = ref::random_matrix(2, 3, 80), k = ref::random_matrix(4, 3, 81);
    auto v = ref::random_matrix(4, 3, 82);
    v(3, 1) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(attn::attention(q, k, v, attn::ScoreParams{}), Catch::Contains("[3][1] is infinite"));
    auto k_inf = k;
    k_inf(0, 0) = -std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(attn::attention(q, k_inf, k_inf, attn::ScoreParams{}), Catch::Contains("[0][0] is infinite"));
    attn::ScoreParams p;
    p.temperature = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(attn::attention(q, k, k, p), Catch::Contains("temperature must be a finite number"));
}

#if defined(__EMSCRIPTEN__)
#include <cstdlib>
#include <new>
// The wasm build may grow its memory up to 4 GB (MAXIMUM_MEMORY) and must refuse, not abort,
// beyond that: malloc returns null (ABORTING_MALLOC=0), which Matrix reports as an error and
// operator new as std::bad_alloc; after the refusal the module keeps working.
TEST_CASE("wasm: memory beyond the 4 GB maximum is refused with an error, and the module keeps working",
          "[edge][wasm]") {
    // Fill most of the 4 GB with untouched 256 MiB blocks (the engine commits pages lazily), then
    // ask for matrices until the memory cannot grow any more.
    std::vector<void*> held;
    for (int i = 0; i < 14; ++i)
        if (void* p = std::malloc(std::size_t{256} << 20)) held.push_back(p);
    CHECK(held.size() >= 12);  // the heap really grew past 3 GB: the refusal below is the 4 GB cap
    std::vector<attn::Matrix> taken;
    bool refused = false;
    try {
        for (int i = 0; i < 4; ++i) taken.emplace_back(8192, 8192);  // 256 MiB each
    } catch (const attn::Error& e) {
        refused = true;
        CHECK_THAT(e.what(), Catch::Contains("out of memory allocating a 8192×8192 matrix"));
    }
    CHECK(refused);
    std::vector<float> more;
    CHECK_THROWS_AS(more.resize(std::size_t{1} << 28), std::bad_alloc);  // 1 GiB more
    CHECK(more.empty());
    taken.clear();
    for (void* p : held) std::free(p);
    const auto q = ref::random_matrix(3, 4, 83);
    const auto r = attn::attention(q, q, q, attn::ScoreParams{});
    CHECK(std::abs(row_sum(r.weights, 0) - 1.0) <= 1e-5);
    attn::Matrix big(8192, 8192);  // the memory is usable again
    CHECK(big(8191, 8191) == 0.0f);
}
#endif
