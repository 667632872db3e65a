// Multi-head attention vs a double reference written from the PyTorch formulas, head
// switching, the tiled path, and parameter checks. (PyTorch's own outputs are compared in
// test_golden_mha.cpp.)
#include <catch2/catch.hpp>

#include <cmath>

#include "attn/kernels.hpp"
#include "attn/multihead.hpp"
#include "reference.hpp"

namespace {

attn::MultiHeadParams random_params(std::size_t E, std::size_t H, bool bias, std::uint32_t seed) {
    attn::MultiHeadParams p;
    p.num_heads = H;
    p.in_proj_weight = ref::random_matrix(3 * E, E, seed, -0.5f, 0.5f);
    p.out_proj_weight = ref::random_matrix(E, E, seed + 1, -0.5f, 0.5f);
    if (bias) {
        auto b = ref::random_matrix(1, 4 * E, seed + 2, -0.2f, 0.2f);
        p.in_proj_bias.assign(b.row(0), b.row(0) + 3 * E);
        p.out_proj_bias.assign(b.row(0) + 3 * E, b.row(0) + 4 * E);
    }
    return p;
}

struct RefMha {
    ref::Mat output;
    std::vector<ref::Mat> weights;
};

RefMha ref_mha(const attn::Matrix& query, const attn::Matrix& key, const attn::Matrix& value,
               const attn::MultiHeadParams& p, const attn::Mask& mask, const std::vector<bool>& enabled = {},
               double temperature = 1.0) {
    const std::size_t E = p.embed_dim(), H = p.num_heads, d = E / H, L = query.rows(), S = key.rows();
    auto proj = [&](const attn::Matrix& x, std::size_t part) {
        ref::Mat out(x.rows(), E);
        for (std::size_t i = 0; i < x.rows(); ++i)
            for (std::size_t o = 0; o < E; ++o) {
                double s = p.in_proj_bias.empty() ? 0.0 : p.in_proj_bias[part * E + o];
                for (std::size_t c = 0; c < E; ++c) s += x(i, c) * p.in_proj_weight(part * E + o, c);
                out(i, o) = s;
            }
        return out;
    };
    const ref::Mat Q = proj(query, 0), K = proj(key, 1), V = proj(value, 2);
    ref::Mat concat(L, E);
    RefMha r;
    for (std::size_t h = 0; h < H; ++h) {
        ref::Mat s(L, S);
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t j = 0; j < S; ++j) {
                double x = 0;
                for (std::size_t c = 0; c < d; ++c) x += Q(i, h * d + c) * K(j, h * d + c);
                s(i, j) = x / (std::sqrt(static_cast<double>(d)) * temperature);
            }
        auto w = ref::softmax(s, [&](std::size_t i, std::size_t j) { return mask.allows(i, j); });
        if (enabled.empty() || enabled[h])
            for (std::size_t i = 0; i < L; ++i)
                for (std::size_t c = 0; c < d; ++c) {
                    double x = 0;
                    for (std::size_t j = 0; j < S; ++j) x += w(i, j) * V(j, h * d + c);
                    concat(i, h * d + c) = x;
                }
        r.weights.push_back(w);
    }
    r.output = ref::Mat(L, E);
    for (std::size_t i = 0; i < L; ++i)
        for (std::size_t o = 0; o < E; ++o) {
            double s = p.out_proj_bias.empty() ? 0.0 : p.out_proj_bias[o];
            for (std::size_t c = 0; c < E; ++c) s += concat(i, c) * p.out_proj_weight(o, c);
            r.output(i, o) = s;
        }
    return r;
}

}  // namespace

TEST_CASE("multi-head attention matches the double reference (plain and tiled, every backend)", "[multihead]") {
    struct Case {
        std::size_t E, H, L, S;
        bool bias;
    };
    const Case cases[] = {
        {8, 2, 5, 5, true}, {12, 3, 1, 7, false}, {16, 4, 17, 9, true}, {64, 8, 65, 33, true}, {6, 1, 3, 3, false}};
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (const auto& c : cases) {
            auto p = random_params(c.E, c.H, c.bias, static_cast<std::uint32_t>(c.E * 100 + c.L));
            auto q = ref::random_matrix(c.L, c.E, 1), k = ref::random_matrix(c.S, c.E, 2),
                 v = ref::random_matrix(c.S, c.E, 3);
            for (const attn::Mask& mask : {attn::Mask::none(), attn::Mask::causal(), attn::Mask::window(1)}) {
                auto want = ref_mha(q, k, v, p, mask);
                for (auto impl : {attn::Implementation::plain, attn::Implementation::tiled}) {
                    attn::MultiHeadOptions o;
                    o.implementation = impl;
                    o.tiles = {4, 8};
                    auto got = attn::multi_head_attention(q, k, v, p, mask, o);
                    INFO(backend << " E=" << c.E << " H=" << c.H << " L=" << c.L << " S=" << c.S << " mask "
                                 << mask.describe() << (impl == attn::Implementation::tiled ? " tiled" : " plain"));
                    REQUIRE(ref::max_abs_diff(got.output, want.output) <= 1e-5);
                    REQUIRE(got.weights.size() == c.H);
                    for (std::size_t h = 0; h < c.H; ++h)
                        REQUIRE(ref::max_abs_diff(got.weights[h], want.weights[h]) <= 1e-5);
                }
            }
        }
    }
}

TEST_CASE("switching a head off removes exactly its contribution", "[multihead]") {
    auto p = random_params(12, 3, true, 7);
    auto x = ref::random_matrix(6, 12, 8);
    attn::MultiHeadOptions o;
    o.head_enabled = {true, false, true};
    auto got = attn::multi_head_attention(x, x, x, p, attn::Mask::none(), o);
    auto want = ref_mha(x, x, x, p, attn::Mask::none(), o.head_enabled);
    CHECK(ref::max_abs_diff(got.output, want.output) <= 1e-5);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t c = 4; c < 8; ++c) CHECK(got.concat(i, c) == 0.0f);
    auto all = attn::multi_head_attention(x, x, x, p);
    CHECK(ref::max_abs_diff(all.output, ref::of(got.output)) > 1e-3);  // the head mattered
}

TEST_CASE("tiled multi-head without weights returns no weights and the same output", "[multihead][tiled]") {
    auto p = random_params(16, 4, true, 9);
    auto x = ref::random_matrix(70, 16, 10);
    attn::MultiHeadOptions o;
    o.implementation = attn::Implementation::tiled;
    o.need_weights = false;
    auto got = attn::multi_head_attention(x, x, x, p, attn::Mask::causal(), o);
    CHECK(got.weights.empty());
    auto want = ref_mha(x, x, x, p, attn::Mask::causal());
    CHECK(ref::max_abs_diff(got.output, want.output) <= 1e-5);
}

TEST_CASE("multi-head temperature T divides every head's scores: the same as W_q and b_q divided by T",
          "[multihead][temperature]") {
    auto p = random_params(12, 3, true, 13);
    auto q = ref::random_matrix(5, 12, 14), kv = ref::random_matrix(9, 12, 15);
    for (float T : {0.5f, 3.0f, 0.05f}) {
        // The closed form: Q_h K_hᵀ / (√d · T) = ((query · W_qᵀ + b_q) / T) K_hᵀ / √d.
        attn::MultiHeadParams cooled = p;
        for (std::size_t r = 0; r < 12; ++r) {
            for (std::size_t c = 0; c < 12; ++c) cooled.in_proj_weight(r, c) /= T;
            cooled.in_proj_bias[r] /= T;
        }
        for (const attn::Mask& mask : {attn::Mask::none(), attn::Mask::causal()}) {
            const auto want = attn::multi_head_attention(q, kv, kv, cooled, mask);
            const auto want_ref = ref_mha(q, kv, kv, p, mask, {}, T);
            for (auto impl : {attn::Implementation::plain, attn::Implementation::tiled}) {
                attn::MultiHeadOptions o;
                o.implementation = impl;
                o.temperature = T;
                o.tiles = {2, 4};
                const auto got = attn::multi_head_attention(q, kv, kv, p, mask, o);
                INFO("T = " << T << " mask " << mask.describe()
                            << (impl == attn::Implementation::tiled ? " tiled" : " plain"));
                CHECK(ref::max_abs_diff(got.output, ref::of(want.output)) <= 1e-5);
                CHECK(ref::max_abs_diff(got.output, want_ref.output) <= 1e-5);
                REQUIRE(got.weights.size() == 3);
                for (std::size_t h = 0; h < 3; ++h) {
                    CHECK(ref::max_abs_diff(got.weights[h], ref::of(want.weights[h])) <= 1e-5);
                    CHECK(ref::max_abs_diff(got.weights[h], want_ref.weights[h]) <= 1e-5);
                }
                // And it matters: T = 1 gives other weights.
                const auto plain_t1 = attn::multi_head_attention(q, kv, kv, p, mask);
                CHECK(ref::max_abs_diff(plain_t1.weights[0], ref::of(got.weights[0])) > 1e-3);
            }
        }
    }
    // The tiled path without weights (every head at once on the thread pool) too.
    attn::MultiHeadOptions fast;
    fast.implementation = attn::Implementation::tiled;
    fast.need_weights = false;
    fast.temperature = 0.25f;
    const auto got = attn::multi_head_attention(q, kv, kv, p, attn::Mask::causal(), fast);
    CHECK(ref::max_abs_diff(got.output, ref_mha(q, kv, kv, p, attn::Mask::causal(), {}, 0.25).output) <= 1e-5);
}

TEST_CASE("multi-head temperature must be finite and at least FLT_MIN, an error naming it",
          "[multihead][temperature][errors]") {
    auto p = random_params(8, 2, true, 17);
    auto x = ref::random_matrix(3, 8, 18);
    for (float T : {0.0f, -2.0f, 1e-40f, NAN, INFINITY}) {
        attn::MultiHeadOptions o;
        o.temperature = T;
        for (auto impl : {attn::Implementation::plain, attn::Implementation::tiled}) {
            o.implementation = impl;
            INFO("T = " << T);
            try {
                attn::multi_head_attention(x, x, x, p, attn::Mask::none(), o);
                FAIL("no error");
            } catch (const attn::Error& e) {
                CHECK(e.field() == "temperature");
                CHECK_THAT(e.what(), Catch::StartsWith("temperature must be a finite number ≥ 1.2e-38, got "));
            }
        }
    }
}

TEST_CASE("multi-head parameter errors name the parameter and sizes", "[multihead][errors]") {
    auto p = random_params(8, 3, true, 11);
    auto x = ref::random_matrix(2, 8, 12);
    CHECK_THROWS_WITH(attn::multi_head_attention(x, x, x, p), "num_heads 3 does not divide the embedding size 8");
    p.num_heads = 2;
    p.in_proj_bias.pop_back();
    CHECK_THROWS_WITH(attn::multi_head_attention(x, x, x, p), "in_proj_bias has 23 entries, expected 24");
    p = random_params(8, 2, false, 11);
    p.in_proj_weight = attn::Matrix(8, 8);
    CHECK_THROWS_WITH(attn::multi_head_attention(x, x, x, p), "in_proj_weight is 8×8, expected 24×8");
    p = random_params(8, 2, false, 11);
    auto bad = ref::random_matrix(2, 7, 1);
    CHECK_THROWS_WITH(attn::multi_head_attention(bad, x, x, p), Catch::Contains("query has 7 columns"));
    // ...and carry it as field(), with what() = field + problem.
    const auto field_of = [&](const attn::MultiHeadParams& params, const attn::Matrix& query) {
        try {
            attn::multi_head_attention(query, x, x, params);
        } catch (const attn::Error& e) {
            CHECK(std::string(e.what()) == e.field() + (e.problem()[0] == '[' ? "" : " ") + e.problem());
            return e.field();
        }
        return std::string("(no error)");
    };
    CHECK(field_of(p, bad) == "query");
    p.num_heads = 3;
    CHECK(field_of(p, x) == "num_heads");
    p = random_params(8, 2, true, 11);
    p.in_proj_bias.pop_back();
    CHECK(field_of(p, x) == "in_proj_bias");
    p = random_params(8, 2, true, 11);
    p.in_proj_weight(5, 1) = NAN;
    CHECK(field_of(p, x) == "in_proj_weight");
    p = random_params(8, 2, true, 11);
    p.out_proj_weight = attn::Matrix(8, 7);
    CHECK(field_of(p, x) == "out_proj_weight");
}
