// Golden tests: attn::multi_head_attention against torch.nn.MultiheadAttention itself.
//
// tests/golden/ holds cases made by scripts/make_golden.py (inputs and parameters are float32
// values; PyTorch computed the expected output and per-head weights in float64). The list of
// case files is tests/golden/index.json, so no directory listing is needed (works the same
// natively and under Emscripten/node with NODERAWFS). Every case is run with both
// implementations (plain, tiled with several tile shapes) on every kernel backend, and output
// and every head's weights must match within 1e-5 absolute.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "attn/kernels.hpp"
#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/multihead.hpp"

#ifndef ATTN_GOLDEN_DIR
#error "ATTN_GOLDEN_DIR must name the tests/golden folder"
#endif

namespace {

using json = nlohmann::json;

// make_golden.py writes 17 cases; fewer means the folder or index is broken.
constexpr std::size_t kMinCases = 17;
constexpr double kTolerance = 1e-5;

struct GoldenCase {
    std::string file, name, torch_version, mask_text;
    attn::Matrix query, key, value;
    attn::MultiHeadParams params;
    attn::Mask mask;
    std::vector<std::vector<double>> expected_output;                // L × E
    std::vector<std::vector<std::vector<double>>> expected_weights;  // h × L × S
};

using golden::read_json;

attn::Matrix matrix_of(const json& j, const std::string& what, const std::string& file) {
    auto rows = j.get<std::vector<std::vector<double>>>();
    if (rows.empty()) throw std::runtime_error(file + ": " + what + " is empty");
    std::vector<std::vector<float>> f(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) f[i].assign(rows[i].begin(), rows[i].end());
    return attn::Matrix::from_rows(f);
}

std::vector<float> vector_or_empty(const json& j) {
    if (j.is_null()) return {};
    auto d = j.get<std::vector<double>>();
    return std::vector<float>(d.begin(), d.end());
}

GoldenCase load_case(const std::string& file) {
    const json j = read_json(std::string(ATTN_GOLDEN_DIR) + "/" + file);
    GoldenCase c;
    c.file = file;
    c.name = j.at("name").get<std::string>();
    c.torch_version = j.at("torch_version").get<std::string>();
    c.query = matrix_of(j.at("query"), "query", file);
    c.key = matrix_of(j.at("key"), "key", file);
    c.value = matrix_of(j.at("value"), "value", file);
    c.params.num_heads = j.at("num_heads").get<std::size_t>();
    c.params.in_proj_weight = matrix_of(j.at("in_proj_weight"), "in_proj_weight", file);
    c.params.in_proj_bias = vector_or_empty(j.at("in_proj_bias"));
    c.params.out_proj_weight = matrix_of(j.at("out_proj_weight"), "out_proj_weight", file);
    c.params.out_proj_bias = vector_or_empty(j.at("out_proj_bias"));

    const json& m = j.at("mask");
    if (m.is_string() && m.get<std::string>() == "none") {
        c.mask = attn::Mask::none();
    } else if (m.is_string() && m.get<std::string>() == "causal") {
        c.mask = attn::Mask::causal();
    } else if (m.is_object() && m.contains("key_padding")) {
        c.mask = attn::Mask::key_padding(m.at("key_padding").get<std::vector<bool>>());
    } else {
        throw std::runtime_error(file + ": unknown mask " + m.dump());
    }
    c.mask_text = m.is_string() ? m.get<std::string>() : std::string("key_padding");

    c.expected_output = j.at("expected_output").get<std::vector<std::vector<double>>>();
    c.expected_weights = j.at("expected_weights").get<std::vector<std::vector<std::vector<double>>>>();
    return c;
}

const std::vector<GoldenCase>& golden_cases() {
    static const std::vector<GoldenCase> cases = [] {
        const json index = read_json(std::string(ATTN_GOLDEN_DIR) + "/index.json");
        std::vector<GoldenCase> out;
        for (const auto& f : index.at("cases")) out.push_back(load_case(f.get<std::string>()));
        return out;
    }();
    return cases;
}

double max_abs_diff(const attn::Matrix& got, const std::vector<std::vector<double>>& want) {
    double err = 0;
    for (std::size_t i = 0; i < got.rows(); ++i)
        for (std::size_t j = 0; j < got.cols(); ++j) {
            const double d = std::fabs(static_cast<double>(got(i, j)) - want[i][j]);
            err = std::isnan(d) ? INFINITY : std::max(err, d);
        }
    return err;
}

struct Variant {
    attn::Implementation impl;
    attn::TileConfig tiles;
    std::string label;
};

std::vector<Variant> variants() {
    std::vector<Variant> v;
    v.push_back({attn::Implementation::plain, {}, "plain"});
    v.push_back({attn::Implementation::tiled, {}, "tiled (64×64 tiles)"});
    // Small and uneven tiles: several query and key blocks per case, partial last blocks,
    // and key blocks that are entirely masked (causal, key padding).
    attn::TileConfig t1;
    t1.block_q = 1;
    t1.block_k = 1;
    v.push_back({attn::Implementation::tiled, t1, "tiled (1×1 tiles)"});
    attn::TileConfig t2;
    t2.block_q = 2;
    t2.block_k = 3;
    v.push_back({attn::Implementation::tiled, t2, "tiled (2×3 tiles)"});
    attn::TileConfig t3;
    t3.block_q = 5;
    t3.block_k = 16;
    v.push_back({attn::Implementation::tiled, t3, "tiled (5×16 tiles)"});
    return v;
}

}  // namespace

TEST_CASE("golden: the PyTorch cases are present and well-formed", "[golden]") {
    INFO("golden folder: " << ATTN_GOLDEN_DIR);
    const auto& cases = golden_cases();
    REQUIRE(cases.size() >= kMinCases);
    for (const auto& c : cases) {
        INFO(c.file << " (" << c.name << ", torch " << c.torch_version << ")");
        const std::size_t E = c.params.embed_dim(), h = c.params.num_heads;
        const std::size_t L = c.query.rows(), S = c.key.rows();
        CHECK(E > 0);
        CHECK(h > 0);
        CHECK(E % h == 0);
        CHECK(c.query.cols() == E);
        CHECK(c.key.cols() == E);
        CHECK(c.value.cols() == E);
        CHECK(c.value.rows() == S);
        CHECK(c.params.in_proj_weight.rows() == 3 * E);
        CHECK(c.params.in_proj_weight.cols() == E);
        CHECK((c.params.in_proj_bias.empty() || c.params.in_proj_bias.size() == 3 * E));
        CHECK((c.params.out_proj_bias.empty() || c.params.out_proj_bias.size() == E));
        CHECK_NOTHROW(c.params.check());
        CHECK_NOTHROW(c.mask.check(L, S));
        REQUIRE(c.expected_output.size() == L);
        for (const auto& row : c.expected_output) CHECK(row.size() == E);
        REQUIRE(c.expected_weights.size() == h);
        for (const auto& head : c.expected_weights) {
            REQUIRE(head.size() == L);
            for (const auto& row : head) CHECK(row.size() == S);
        }
    }
    // The suite must cover what it claims to: bias and no bias, each mask kind, cross attention.
    auto any = [&](auto pred) { return std::any_of(cases.begin(), cases.end(), pred); };
    CHECK(any([](const GoldenCase& c) { return c.params.in_proj_bias.empty(); }));
    CHECK(any([](const GoldenCase& c) { return !c.params.in_proj_bias.empty(); }));
    CHECK(any([](const GoldenCase& c) { return c.mask.kind() == attn::Mask::Kind::causal; }));
    CHECK(any([](const GoldenCase& c) { return c.mask.kind() == attn::Mask::Kind::key_padding; }));
    CHECK(any([](const GoldenCase& c) { return c.mask.kind() == attn::Mask::Kind::none; }));
    CHECK(any([](const GoldenCase& c) { return c.query.rows() != c.key.rows(); }));
}

TEST_CASE("golden: multi_head_attention matches torch.nn.MultiheadAttention on every backend", "[golden]") {
    const auto& cases = golden_cases();
    REQUIRE(cases.size() >= kMinCases);
    const auto vs = variants();
    double worst_output = 0, worst_weights = 0;
    std::size_t runs = 0;
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (const auto& variant : vs) {
            for (const auto& c : cases) {
                INFO("case " << c.name << " [" << c.file << "], mask " << c.mask_text << ", backend " << backend
                             << ", implementation " << variant.label);
                attn::MultiHeadOptions options;
                options.implementation = variant.impl;
                options.need_weights = true;
                options.tiles = variant.tiles;
                const attn::MultiHeadResult r =
                    attn::multi_head_attention(c.query, c.key, c.value, c.params, c.mask, options);

                const std::size_t L = c.query.rows(), S = c.key.rows(), E = c.params.embed_dim();
                REQUIRE(r.output.rows() == L);
                REQUIRE(r.output.cols() == E);
                const double out_err = max_abs_diff(r.output, c.expected_output);
                CHECK(out_err <= kTolerance);
                worst_output = std::max(worst_output, out_err);

                REQUIRE(r.weights.size() == c.params.num_heads);
                for (std::size_t h = 0; h < r.weights.size(); ++h) {
                    INFO("head " << h);
                    REQUIRE(r.weights[h].rows() == L);
                    REQUIRE(r.weights[h].cols() == S);
                    const double w_err = max_abs_diff(r.weights[h], c.expected_weights[h]);
                    CHECK(w_err <= kTolerance);
                    worst_weights = std::max(worst_weights, w_err);
                }
                ++runs;
            }
        }
    }
    // Visible with -s: the largest errors over every case, backend and implementation.
    INFO(runs << " runs");
    CHECK(worst_output <= kTolerance);
    CHECK(worst_weights <= kTolerance);
}

TEST_CASE("golden: the tiled path without weights gives the same output", "[golden]") {
    // need_weights = false takes the tiled path alone (no separate weight computation).
    const auto& cases = golden_cases();
    REQUIRE(cases.size() >= kMinCases);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (const auto& variant : variants()) {
            for (const auto& c : cases) {
                INFO("case " << c.name << ", backend " << backend << ", implementation " << variant.label
                             << ", need_weights=false");
                attn::MultiHeadOptions options;
                options.implementation = variant.impl;
                options.need_weights = false;
                options.tiles = variant.tiles;
                const attn::MultiHeadResult r =
                    attn::multi_head_attention(c.query, c.key, c.value, c.params, c.mask, options);
                REQUIRE(r.output.rows() == c.query.rows());
                REQUIRE(r.output.cols() == c.params.embed_dim());
                CHECK(max_abs_diff(r.output, c.expected_output) <= kTolerance);
                CHECK(r.weights.empty());
            }
        }
    }
}
