// Traces: what the step-through UI relies on. Steps come in the order of the maths, carry
// their formula and focus, their values agree with the computed matrices, and recording
// never changes a result.
#include <catch2/catch.hpp>

#include <cmath>

#include "attn/attention.hpp"
#include "attn/multihead.hpp"
#include "attn/tiled.hpp"
#include "reference.hpp"

TEST_CASE("cell-level trace of scaled dot attention: one step per score cell, four per softmax row, one per output row",
          "[trace]") {
    auto q = ref::random_matrix(2, 4, 1), k = ref::random_matrix(3, 4, 2), v = ref::random_matrix(3, 2, 3);
    attn::ScoreParams p;
    attn::Trace trace(attn::Trace::Detail::cells);
    auto traced = attn::attention(q, k, v, p, attn::Mask::none(), &trace);
    auto plain = attn::attention(q, k, v, p);
    CHECK(ref::max_abs_diff(traced.output, ref::of(plain.output)) == 0.0);

    const auto& steps = trace.steps();
    REQUIRE(steps.size() == 2 * 3 + 2 * 4 + 2);
    for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i].id == i);
    // Score cells in row-major order, each with its value and a formula naming q_i, k_j.
    for (std::size_t c = 0; c < 6; ++c) {
        const auto& s = steps[c];
        CHECK(s.focus.kind == attn::Focus::Kind::cell);
        CHECK(s.focus.matrix == "scores");
        CHECK(s.focus.row == c / 3);
        CHECK(s.focus.col == c % 3);
        CHECK_THAT(s.formula, Catch::Contains("√d_k") && Catch::Contains("q" + std::to_string(c / 3)));
        REQUIRE(s.values.size() == 1);
        CHECK(s.values[0].second == Approx(traced.scores(c / 3, c % 3)));
    }
    // Softmax of row 0: max, exponentials, sum, normalise.
    CHECK_THAT(steps[6].title, Catch::Contains("maximum"));
    CHECK(steps[6].values[0].second ==
          Approx(std::max({traced.scores(0, 0), traced.scores(0, 1), traced.scores(0, 2)})));
    CHECK_THAT(steps[8].title, Catch::Contains("sum"));
    double sum = 0;
    for (std::size_t j = 0; j < 3; ++j) sum += std::exp(traced.scores(0, j) - steps[6].values[0].second);
    CHECK(steps[8].values[0].second == Approx(sum));
    CHECK(steps[9].writes == std::vector<std::string>{"weights"});
    CHECK_THAT(steps.back().formula, Catch::Contains("Σ_j"));
    // The named matrices hold the final values.
    REQUIRE(trace.matrix("weights") != nullptr);
    CHECK(ref::max_abs_diff(*trace.matrix("weights"), ref::of(traced.weights)) == 0.0);
    REQUIRE(trace.matrix("Q") != nullptr);
    CHECK(trace.matrix("nonexistent") == nullptr);
}

TEST_CASE("row and coarse detail levels bound the number of steps", "[trace]") {
    auto x = ref::random_matrix(50, 8, 4);
    attn::ScoreParams p;
    attn::Trace rows(attn::Trace::Detail::rows), coarse(attn::Trace::Detail::coarse);
    attn::attention(x, x, x, p, attn::Mask::causal(), &rows);
    attn::attention(x, x, x, p, attn::Mask::causal(), &coarse);
    CHECK(rows.steps().size() == 50 * 3);
    CHECK(coarse.steps().size() == 3);
    CHECK_THAT(coarse.steps()[1].title, Catch::Contains("causal"));
}

TEST_CASE("max_steps truncates instead of growing without bound", "[trace]") {
    auto x = ref::random_matrix(40, 4, 5);
    attn::ScoreParams p;
    attn::Trace t(attn::Trace::Detail::cells, 100);
    attn::attention(x, x, x, p, attn::Mask::none(), &t);
    CHECK(t.steps().size() == 100);
    CHECK(t.truncated());
    t.clear();
    CHECK(t.steps().empty());
    CHECK_FALSE(t.truncated());
}

TEST_CASE("tiled trace: running max, sum and partial output per tile agree with the full softmax", "[trace][tiled]") {
    const std::size_t L = 6, S = 10, d = 4;
    auto q = ref::random_matrix(L, d, 6, -2, 2), k = ref::random_matrix(S, d, 7, -2, 2),
         v = ref::random_matrix(S, 3, 8);
    attn::Trace t(attn::Trace::Detail::rows);
    const float scale = 0.5f;
    auto out = attn::tiled_attention(q, k, v, scale, attn::Mask::causal(), attn::TileConfig{3, 4}, &t);
    // Query block 0 (rows 0..2) needs key tile 0 only; keys 4..7 and 8..9 are skipped.
    std::size_t skips = 0, tiles = 0;
    for (const auto& s : t.steps()) {
        if (s.title.rfind("Skip tile", 0) == 0) ++skips;
        if (s.title.rfind("Tile scores", 0) == 0) ++tiles;
    }
    // Blocks {0..2}: tile 0; {3..5}: tiles 0, 1. Total 2·3 = 6 tiles, 3 computed, 3 skipped.
    CHECK(tiles == 3);
    CHECK(skips == 3);
    // The last "running max" snapshot of each query block equals the row max of the masked scores.
    auto s = ref::matmul_abt(ref::of(q), ref::of(k));
    const attn::Step* last_max = nullptr;
    const attn::Step* last_sum = nullptr;
    for (const auto& st : t.steps()) {
        if (st.title.rfind("Running max", 0) == 0) last_max = &st;
        if (st.title.rfind("Exponentials", 0) == 0) last_sum = &st;
    }
    REQUIRE(last_max != nullptr);
    REQUIRE(last_sum != nullptr);
    const attn::Matrix& m = last_max->snapshots[0].second;  // block rows 3..5
    const attn::Matrix& l = last_sum->snapshots[1].second;
    for (std::size_t r = 0; r < 3; ++r) {
        const std::size_t i = 3 + r;
        double mx = -INFINITY, sum = 0;
        for (std::size_t j = 0; j <= i; ++j) mx = std::max(mx, scale * s(i, j));
        for (std::size_t j = 0; j <= i; ++j) sum += std::exp(scale * s(i, j) - mx);
        CHECK(m(0, r) == Approx(mx).epsilon(1e-5));
        CHECK(l(0, r) == Approx(sum).epsilon(1e-5));
    }
    REQUIRE(t.matrix("output") != nullptr);
    CHECK(ref::max_abs_diff(*t.matrix("output"), ref::of(out)) == 0.0);
}

TEST_CASE("multi-head trace names each head's matrices with a prefix", "[trace][multihead]") {
    const std::size_t E = 8, H = 2;
    attn::MultiHeadParams p;
    p.num_heads = H;
    p.in_proj_weight = ref::random_matrix(3 * E, E, 9);
    p.out_proj_weight = ref::random_matrix(E, E, 10);
    auto x = ref::random_matrix(5, E, 11);
    attn::Trace t(attn::Trace::Detail::coarse);
    auto r = attn::multi_head_attention(x, x, x, p, attn::Mask::none(), {}, &t);
    REQUIRE(t.matrix("head 1: weights") != nullptr);
    CHECK(ref::max_abs_diff(*t.matrix("head 1: weights"), ref::of(r.weights[1])) == 0.0);
    CHECK(t.steps().front().title == "Project queries");
    CHECK(t.steps().back().title == "Output projection");
    bool saw_head1 = false;
    for (const auto& s : t.steps()) saw_head1 = saw_head1 || s.title.rfind("head 1: ", 0) == 0;
    CHECK(saw_head1);
}

TEST_CASE("every step carries a typed kind; head steps carry their head, the rest −1", "[trace][multihead]") {
    const std::size_t E = 8, H = 2, L = 3;
    attn::MultiHeadParams p;
    p.num_heads = H;
    p.in_proj_weight = ref::random_matrix(3 * E, E, 9);
    p.out_proj_weight = ref::random_matrix(E, E, 10);
    auto x = ref::random_matrix(L, E, 11);
    attn::MultiHeadOptions opt;
    opt.head_enabled = {true, false};
    attn::Trace t(attn::Trace::Detail::rows);
    attn::multi_head_attention(x, x, x, p, attn::Mask::none(), opt, &t);
    using K = attn::StepKind;
    const auto& s = t.steps();
    // Q, K, V projections; per head: L score rows, L softmax rows, then its output (head 0) or
    // "switched off" (head 1); concat; output projection.
    REQUIRE(s.size() == 3 + H * (2 * L + 1) + 2);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(s[i].kind == K::projection);
        CHECK(s[i].head == -1);
    }
    for (std::size_t h = 0; h < H; ++h) {
        const std::size_t at = 3 + h * (2 * L + 1);
        for (std::size_t r = 0; r < L; ++r) {
            CHECK(s[at + r].kind == K::score_row);
            CHECK(s[at + r].focus.row == r);
            CHECK(s[at + L + r].kind == K::softmax_row);
        }
        for (std::size_t i = at; i < at + 2 * L + 1; ++i) CHECK(s[i].head == static_cast<long>(h));
        CHECK(s[at + 2 * L].kind == (h == 0 ? K::head_output : K::head_off));
    }
    CHECK(s[s.size() - 2].kind == K::concat);
    CHECK(s.back().kind == K::projection);
    CHECK(s.back().head == -1);
    CHECK(std::string(attn::step_kind_name(K::tile_skipped)) == "tile_skipped");
}

TEST_CASE("tiled trace: the tiles a causal mask skips are typed tile_skipped, and only those", "[trace][tiled]") {
    const std::size_t n = 8, d = 4;
    auto q = ref::random_matrix(n, d, 21), k = ref::random_matrix(n, d, 22), v = ref::random_matrix(n, d, 23);
    attn::TileConfig tiles;
    tiles.block_q = 2;
    tiles.block_k = 2;
    attn::Matrix out(n, d);
    attn::Trace t(attn::Trace::Detail::rows);
    attn::tiled_attention(q, k, v, 0.5f, attn::Mask::causal(), out, tiles, &t);
    std::size_t skipped = 0, scored = 0, normalised = 0;
    for (const auto& s : t.steps()) {
        if (s.kind == attn::StepKind::tile_skipped) {
            ++skipped;
            CHECK(s.focus.col > s.focus.row);  // strictly above the diagonal: every key is in the future
        }
        if (s.kind == attn::StepKind::tile_scores) {
            ++scored;
            CHECK(s.focus.col <= s.focus.row);
        }
        normalised += s.kind == attn::StepKind::tile_normalise;
    }
    // 4 × 4 tiles of 2 × 2: 6 above the diagonal, 10 on or below it; one normalisation per block.
    CHECK(skipped == 6);
    CHECK(scored == 10);
    CHECK(normalised == 4);
}

TEST_CASE("reset() changes the detail and keeps the matrices' storage for the next computation", "[trace]") {
    attn::Trace t(attn::Trace::Detail::cells, 100);
    auto q = ref::random_matrix(64, 8, 31);
    attn::ScoreParams p;
    attn::attention(q, q, q, p, attn::Mask::none(), &t);
    REQUIRE(t.matrix("weights") != nullptr);
    const float* storage = t.matrix("weights")->row(0);
    t.reset(attn::Trace::Detail::coarse, 5000);
    CHECK(t.steps().empty());
    CHECK(t.matrix("weights") == nullptr);
    CHECK(t.detail() == attn::Trace::Detail::coarse);
    CHECK(t.max_steps() == 5000);
    attn::attention(q, q, q, p, attn::Mask::none(), &t);
    REQUIRE(t.matrix("weights") != nullptr);
    CHECK(t.matrix("weights")->row(0) == storage);  // the same buffer, not a new allocation
    CHECK(t.steps().size() == 3);                   // coarse: scores, softmax, weighted sum
}
