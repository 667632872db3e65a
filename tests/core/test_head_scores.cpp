// The head scores (attn/train/head_scores.hpp) on weights whose scores are known in closed form:
// a pure anti-diagonal, a pure previous-token head, a pure induction head on a repeated segment,
// uniform weights (1/n on every key), and a Transformer layer's attention parameters taken out
// under their PyTorch names.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "attn/train/head_scores.hpp"
#include "attn/train/transformer.hpp"

using attn::Matrix;

namespace {

Matrix zeros(std::size_t n) {
    Matrix m(n, n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) m(i, j) = 0.0f;
    return m;
}

Matrix uniform(std::size_t n) {
    Matrix m(n, n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) m(i, j) = 1.0f / static_cast<float>(n);
    return m;
}

}  // namespace

TEST_CASE("head scores: an anti-diagonal head scores 1 on reversal and nothing else", "[core][head_scores]") {
    const std::size_t n = 7;
    Matrix w = zeros(n);
    for (std::size_t i = 0; i < n; ++i) w(i, n - 1 - i) = 1.0f;
    CHECK(attn::anti_diagonal_score(w) == Approx(1.0));
    // The previous token i − 1 is on the anti-diagonal n − 1 − i only when n is even: not for 7.
    CHECK(attn::previous_token_score(w) == Approx(0.0));
}

TEST_CASE("head scores: a previous-token head scores 1, uniform weights 1/n", "[core][head_scores]") {
    const std::size_t n = 6;
    Matrix w = zeros(n);
    w(0, 0) = 1.0f;
    for (std::size_t i = 1; i < n; ++i) w(i, i - 1) = 1.0f;
    CHECK(attn::previous_token_score(w) == Approx(1.0));
    // For n = 6 the anti-diagonal (i, 5 − i) meets the previous token (i, i − 1) at i = 3 only.
    CHECK(attn::anti_diagonal_score(w) == Approx(1.0 / 6.0));
    const Matrix u = uniform(n);
    CHECK(attn::previous_token_score(u) == Approx(1.0 / 6.0));
    CHECK(attn::anti_diagonal_score(u) == Approx(1.0 / 6.0));
}

TEST_CASE("head scores: an induction head looks at the token after the earlier copy", "[core][head_scores]") {
    // 5 2 9 7 | 5 2 9 7: inside the second copy, query i (token ids[i]) attends to the key after
    // the first copy of ids[i]: position i − 4 + 1.
    const std::vector<std::int32_t> ids = {5, 2, 9, 7, 5, 2, 9, 7};
    const std::size_t n = ids.size();
    Matrix w = zeros(n);
    for (std::size_t i = 0; i < n; ++i) w(i, i) = 1.0f;  // elsewhere: on itself
    for (std::size_t i = 4; i < n; ++i) {
        w(i, i) = 0.0f;
        w(i, i - 3) = 1.0f;
    }
    CHECK(attn::induction_score(w, ids) == Approx(1.0));
    CHECK(attn::previous_token_score(w) == Approx(0.0));
    // Half the weight there, half on itself: 0.5.
    for (std::size_t i = 4; i < n; ++i) w(i, i) = w(i, i - 3) = 0.5f;
    CHECK(attn::induction_score(w, ids) == Approx(0.5));
    // No token seen before: no query counts, the score is 0.
    CHECK(attn::induction_score(w, {1, 2, 3, 4, 5, 6, 7, 8}) == 0.0);
    // Only the queries with an earlier occurrence at c < i − 1 count (i = 2 → key 1, i = 5 →
    // key 4 here; an adjacent repeat has no "token after" before the query): uniform weights
    // give 1/n on each, so 1/8.
    CHECK(attn::induction_score(uniform(n), {1, 1, 1, 2, 2, 2, 3, 3}) == Approx(1.0 / 8.0));
    w = zeros(n);
    w(2, 1) = 1.0f;  // one of the two counted queries on its target
    CHECK(attn::induction_score(w, {1, 1, 1, 2, 2, 2, 3, 3}) == Approx(0.5));
}

TEST_CASE("head scores: wrong shapes are refused with the sizes", "[core][head_scores]") {
    const Matrix rect(3, 4);
    CHECK_THROWS_WITH(attn::anti_diagonal_score(rect), Catch::Contains("3×4"));
    const Matrix sq = uniform(3);
    CHECK_THROWS_WITH(attn::induction_score(sq, {1, 2}), Catch::Contains("2 tokens for 3×3"));
}

TEST_CASE("head scores: a layer's attention parameters come out under their PyTorch names", "[core][head_scores]") {
    attn::TransformerConfig c;
    c.d_model = 8;
    c.heads = 2;
    c.layers = 2;
    attn::Transformer model(c);
    model.init(3);
    const attn::MultiHeadParams p = attn::layer_attention_params(model, 1);
    CHECK(p.num_heads == 2);
    REQUIRE(p.in_proj_weight.rows() == 24);
    REQUIRE(p.in_proj_weight.cols() == 8);
    REQUIRE(p.in_proj_bias.size() == 24);
    REQUIRE(p.out_proj_weight.rows() == 8);
    REQUIRE(p.out_proj_bias.size() == 8);
    const attn::Parameters& P = model.parameters();
    const float* w = P.value(P.index("layers.1.self_attn.in_proj_weight"));
    CHECK(p.in_proj_weight(5, 3) == w[5 * 8 + 3]);
    const float* o = P.value(P.index("layers.1.self_attn.out_proj.weight"));
    CHECK(p.out_proj_weight(7, 1) == o[7 * 8 + 1]);
    CHECK_NOTHROW(p.check());
    CHECK_THROWS_WITH(attn::layer_attention_params(model, 2), Catch::Contains("layer 2 of a model with 2 layers"));
}
