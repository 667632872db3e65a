// test_cli.cpp: attnlab compute on good input. Every number is checked against maths done
// here in double (closed forms where they exist), not only the exit code.
//
// [SECTION] Helpers
// [SECTION] Example, version, help
// [SECTION] Score functions and temperature
// [SECTION] Masks
// [SECTION] Multi-head
// [SECTION] Output files and stdin
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "cli_harness.hpp"
#include "export.hpp"

using namespace cli_test;

namespace {

// =====================================================================================
// [SECTION] Helpers
// =====================================================================================

// Runs `attnlab compute spec.json extra...`, requires success and returns the result JSON.
json compute(const json& spec, const std::vector<std::string>& extra = {}) {
    TempDir dir;
    std::vector<std::string> args = {"compute", dir.write("spec.json", spec.dump())};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult r = run_attnlab(args);
    INFO("spec: " << spec.dump() << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.err.empty());
    return json::parse(r.out);
}

json to_json(const Rows& rows) {
    json j = json::array();
    for (const auto& r : rows) j.push_back(r);
    return j;
}

Rows scale(Rows m, double a) {
    for (auto& r : m)
        for (double& x : r) x *= a;
    return m;
}

// Columns c0 .. c0+n-1 of m.
Rows columns(const Rows& m, std::size_t c0, std::size_t n) {
    Rows out;
    for (const auto& r : m)
        out.emplace_back(r.begin() + static_cast<std::ptrdiff_t>(c0), r.begin() + static_cast<std::ptrdiff_t>(c0 + n));
    return out;
}

Rows add_bias(Rows m, const std::vector<double>& b, std::size_t offset = 0) {
    for (auto& r : m)
        for (std::size_t j = 0; j < r.size(); ++j) r[j] += b[offset + j];
    return m;
}

std::vector<std::vector<bool>> all_allowed(std::size_t L, std::size_t S) {
    return std::vector<std::vector<bool>>(L, std::vector<bool>(S, true));
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Splits on whitespace.
std::vector<std::string> words(const std::string& line) {
    std::istringstream s(line);
    std::vector<std::string> w;
    std::string x;
    while (s >> x) w.push_back(x);
    return w;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream s(text);
    std::string line;
    while (std::getline(s, line)) lines.push_back(line);
    return lines;
}

// The example's weights table: the rows after the header line that starts with the tokens.
struct Table {
    std::vector<std::string> col_labels, row_labels;
    std::vector<std::vector<std::string>> cells;
};

Table parse_example_table(const std::string& out) {
    Table t;
    const auto lines = lines_of(out);
    std::size_t i = 0;
    for (; i < lines.size(); ++i) {
        const auto w = words(lines[i]);
        if (w.size() == 6 && w[0] == "the" && w[1] == "cat") {
            t.col_labels = w;
            break;
        }
    }
    for (++i; i < lines.size(); ++i) {
        const auto w = words(lines[i]);
        if (w.size() != 7) break;
        t.row_labels.push_back(w[0]);
        t.cells.emplace_back(w.begin() + 1, w.end());
    }
    return t;
}

double cell_value(const std::string& cell) { return cell == "·" ? 0.0 : std::stod(cell); }

const std::vector<std::string> kTokens = {"the", "cat", "sat", "on", "the", "mat"};

}  // namespace

// =====================================================================================
// [SECTION] Example, version, help
// =====================================================================================

TEST_CASE("example: prints a titled table of causal self-attention weights whose rows sum to 1", "[cli][example]") {
    const RunResult r = run_attnlab({"compute", "--example"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, Catch::Contains("self-attention") && Catch::Contains("\"the cat sat on the mat\"") &&
                          Catch::Contains("causal"));
    const Table t = parse_example_table(r.out);
    REQUIRE(t.col_labels == kTokens);
    REQUIRE(t.row_labels == kTokens);
    for (std::size_t i = 0; i < 6; ++i) {
        double sum = 0;
        for (std::size_t j = 0; j < 6; ++j) {
            INFO("row " << i << " column " << j << ": " << t.cells[i][j]);
            if (j > i)
                CHECK(t.cells[i][j] == "·");  // causal: no looking ahead
            else
                CHECK(t.cells[i][j].find('.') == 1);  // 0.123 style
            sum += cell_value(t.cells[i][j]);
        }
        CHECK(sum == Approx(1.0).margin(0.004));  // six cells rounded to 3 decimals
    }
    CHECK(t.cells[0][0] == "1.000");  // the first word can only attend to itself
}

TEST_CASE("example: -o, --csv and --png write the weights shown in the table", "[cli][example]") {
    TempDir dir;
    const RunResult r = run_attnlab(
        {"compute", "--example", "-o", dir.path("ex.json"), "--csv", dir.path("ex.csv"), "--png", dir.path("ex.png")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json result = json::parse(read_file(dir.path("ex.json")));
    const Rows weights = rows_of(result["weights"]);
    REQUIRE(weights.size() == 6);
    CHECK(max_abs_diff(parse_csv_rows(read_file(dir.path("ex.csv"))), weights) == 0.0);
    const Table t = parse_example_table(r.out);
    REQUIRE(t.cells.size() == 6);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j) CHECK(cell_value(t.cells[i][j]) == Approx(weights[i][j]).margin(0.0005001));
    std::size_t w = 0, h = 0;
    REQUIRE(png_size(read_file(dir.path("ex.png")), w, h));
    CHECK(w >= 256);
    CHECK(w == h);  // 6×6 weights, square cells
}

TEST_CASE("version: --version prints the program name and version", "[cli]") {
    const RunResult r = run_attnlab({"--version"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("attnlab 0.") || Catch::StartsWith("attnlab 1."));
}

TEST_CASE("compute --help summarises the spec schema, masks, outputs and exit codes", "[cli]") {
    const RunResult r = run_attnlab({"compute", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* s :
         {"scaled_dot", "general", "additive", "cosine", "multi_head", "num_heads", "in_proj_weight", "temperature",
          "causal", "key_padding", "window", "--csv", "head,row,col,value", "--png", "--example", "Exit status"})
        CHECK_THAT(r.out, Catch::Contains(s));
}

// =====================================================================================
// [SECTION] Score functions and temperature
// =====================================================================================

namespace {
// Small specs of every single-head kind, with their scores computed here in double.
struct KindCase {
    json spec;
    Rows scores;  // at T = 1
};

KindCase dot_case() {
    const Rows q = {{2, 0}, {0, 3}, {1, 1}}, k = {{1, 0}, {0, 1}};
    return {{{"attention", "dot"}, {"query", to_json(q)}, {"key", to_json(k)}, {"value", {{10, 0, 1}, {0, 10, 1}}}},
            matmul_abt(q, k)};
}

KindCase scaled_dot_case() {
    const Rows q = {{1, 1, 1, 1}, {0.5, -1, 0, 2}}, k = {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 1}};
    return {{{"attention", "scaled_dot"}, {"query", to_json(q)}, {"key", to_json(k)}}, scale(matmul_abt(q, k), 0.5)};
}

KindCase general_case() {
    const Rows q = {{1, 2}, {-1, 0.5}}, k = {{1, 0, 0}, {0, 1, 0}, {0.5, 0.5, 1}}, W = {{1, 0, -1}, {0.5, 2, 0}};
    return {{{"attention", "general"}, {"query", to_json(q)}, {"key", to_json(k)}, {"W", to_json(W)}},
            matmul_abt(matmul_ab(q, W), k)};
}

KindCase additive_case() {
    const Rows q = {{1, 0}, {0, 1}}, k = {{1, 0, 0}, {0, 1, 0}, {1, 1, 1}};
    const Rows Wq = {{1, 0}, {0, 1}, {1, -1}}, Wk = {{0.5, 0, 0}, {0, 0.5, 0}, {0, 0, 1}};
    const std::vector<double> v = {1, -1, 0.5};
    Rows s(q.size(), std::vector<double>(k.size()));
    const Rows pq = matmul_abt(q, Wq), pk = matmul_abt(k, Wk);
    for (std::size_t i = 0; i < q.size(); ++i)
        for (std::size_t j = 0; j < k.size(); ++j)
            for (std::size_t h = 0; h < v.size(); ++h) s[i][j] += v[h] * std::tanh(pq[i][h] + pk[j][h]);
    return {{{"attention", "additive"},
             {"query", to_json(q)},
             {"key", to_json(k)},
             {"W_q", to_json(Wq)},
             {"W_k", to_json(Wk)},
             {"v", v}},
            s};
}

KindCase cosine_case() {
    // Row 1 is the zero vector: its cosines are 0, so its weights are uniform.
    const Rows q = {{3, 4}, {0, 0}}, k = {{1, 0}, {0, 2}, {-3, -4}};
    return {{{"attention", "cosine"}, {"query", to_json(q)}, {"key", to_json(k)}}, {{0.6, 0.8, -1.0}, {0, 0, 0}}};
}
}  // namespace

TEST_CASE("dot: orthogonal keys give sigmoid weights in closed form", "[cli][score]") {
    const json r = compute(dot_case().spec);
    CHECK(max_abs_diff(rows_of(r["scores"]), {{2, 0}, {0, 3}, {1, 1}}) == 0.0);
    const Rows want_w = {{sigmoid(2), sigmoid(-2)}, {sigmoid(-3), sigmoid(3)}, {0.5, 0.5}};
    CHECK(max_abs_diff(rows_of(r["weights"]), want_w) < 1e-6);
    // output = weights · value, value = [[10, 0, 1], [0, 10, 1]]
    Rows want_o;
    for (const auto& w : want_w) want_o.push_back({10 * w[0], 10 * w[1], w[0] + w[1]});
    CHECK(max_abs_diff(rows_of(r["output"]), want_o) < 1e-5);
}

TEST_CASE("scaled_dot: scores are q·k / √d_k", "[cli][score]") {
    const KindCase c = scaled_dot_case();
    const json r = compute(c.spec);
    CHECK(max_abs_diff(rows_of(r["scores"]), c.scores) < 1e-6);
    CHECK(max_abs_diff(rows_of(r["weights"]), softmax_rows(c.scores)) < 1e-6);
    // value defaults to key
    CHECK(max_abs_diff(rows_of(r["output"]), matmul_ab(softmax_rows(c.scores), rows_of(c.spec["key"]))) < 1e-5);
}

TEST_CASE("general: scores are qᵀ W k with d_q ≠ d_k", "[cli][score]") {
    const KindCase c = general_case();
    const json r = compute(c.spec);
    CHECK(max_abs_diff(rows_of(r["scores"]), c.scores) < 1e-5);
    CHECK(max_abs_diff(rows_of(r["weights"]), softmax_rows(c.scores)) < 1e-6);
}

TEST_CASE("additive: scores are vᵀ tanh(W_q q + W_k k)", "[cli][score]") {
    const KindCase c = additive_case();
    const json r = compute(c.spec);
    CHECK(max_abs_diff(rows_of(r["scores"]), c.scores) < 1e-5);
    CHECK(max_abs_diff(rows_of(r["weights"]), softmax_rows(c.scores)) < 1e-5);
}

TEST_CASE("cosine: scores are cosines, and a zero query gets uniform weights", "[cli][score]") {
    const KindCase c = cosine_case();
    const json r = compute(c.spec);
    CHECK(max_abs_diff(rows_of(r["scores"]), c.scores) < 1e-6);
    const Rows w = rows_of(r["weights"]);
    CHECK(max_abs_diff(w, softmax_rows(c.scores)) < 1e-6);
    for (double x : w[1]) CHECK(x == Approx(1.0 / 3.0).epsilon(1e-6));
}

TEST_CASE("temperature divides every kind's scores before the softmax", "[cli][score][temperature]") {
    for (const KindCase& c : {dot_case(), scaled_dot_case(), general_case(), additive_case(), cosine_case()}) {
        json spec = c.spec;
        spec["temperature"] = 2.5;
        INFO(spec["attention"]);
        const json r = compute(spec);
        const Rows want = scale(c.scores, 1 / 2.5);
        CHECK(max_abs_diff(rows_of(r["scores"]), want) < 1e-5);
        CHECK(max_abs_diff(rows_of(r["weights"]), softmax_rows(want)) < 1e-5);
    }
}

TEST_CASE("temperature: scaled_dot with T = 2 equals dot scores / (√d · 2)", "[cli][score][temperature]") {
    const Rows q = pseudo_random(3, 9, 1), k = pseudo_random(4, 9, 2);
    const json dot = compute({{"attention", "dot"}, {"query", to_json(q)}, {"key", to_json(k)}});
    const json scaled =
        compute({{"attention", "scaled_dot"}, {"query", to_json(q)}, {"key", to_json(k)}, {"temperature", 2}});
    const Rows want = scale(rows_of(dot["scores"]), 1.0 / (3.0 * 2.0));  // √9 = 3
    CHECK(max_abs_diff(rows_of(scaled["scores"]), want) < 1e-6);
    CHECK(max_abs_diff(rows_of(scaled["weights"]), softmax_rows(want)) < 1e-6);
    // Temperature < 1 sharpens: the largest weight of every row grows.
    const json sharp =
        compute({{"attention", "scaled_dot"}, {"query", to_json(q)}, {"key", to_json(k)}, {"temperature", 0.25}});
    const Rows w1 = rows_of(scaled["weights"]), w2 = rows_of(sharp["weights"]);
    for (std::size_t i = 0; i < w1.size(); ++i)
        CHECK(*std::max_element(w2[i].begin(), w2[i].end()) > *std::max_element(w1[i].begin(), w1[i].end()));
}

// =====================================================================================
// [SECTION] Masks
// =====================================================================================

namespace {
// scaled_dot on a 4×5 case with the given mask; checks scores are unmasked and weights are
// the softmax over the allowed keys only.
void check_mask(const json& mask, const std::vector<std::vector<bool>>& allowed) {
    const Rows q = pseudo_random(4, 3, 7), k = pseudo_random(5, 3, 8), v = pseudo_random(5, 2, 9);
    const json r = compute({{"attention", "scaled_dot"},
                            {"query", to_json(q)},
                            {"key", to_json(k)},
                            {"value", to_json(v)},
                            {"mask", mask}});
    const Rows scores = scale(matmul_abt(q, k), 1 / std::sqrt(3.0));
    CHECK(max_abs_diff(rows_of(r["scores"]), scores) < 1e-6);  // scores are before masking
    const Rows want = masked_softmax(scores, allowed);
    const Rows w = rows_of(r["weights"]);
    CHECK(max_abs_diff(w, want) < 1e-6);
    for (std::size_t i = 0; i < allowed.size(); ++i)
        for (std::size_t j = 0; j < allowed[i].size(); ++j)
            if (!allowed[i][j]) CHECK(w[i][j] == 0.0);  // exactly 0, not tiny
    CHECK(max_abs_diff(rows_of(r["output"]), matmul_ab(want, v)) < 1e-5);
}
}  // namespace

TEST_CASE("mask: \"none\" and absent are the same", "[cli][mask]") { check_mask("none", all_allowed(4, 5)); }

TEST_CASE("mask: causal lets query i attend keys j ≤ i", "[cli][mask]") {
    std::vector<std::vector<bool>> a(4, std::vector<bool>(5));
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 5; ++j) a[i][j] = j <= i;
    check_mask("causal", a);
}

TEST_CASE("mask: key_padding never attends padded keys", "[cli][mask]") {
    const std::vector<bool> pad = {false, true, false, false, true};
    std::vector<std::vector<bool>> a(4, std::vector<bool>(5));
    for (auto& row : a)
        for (std::size_t j = 0; j < 5; ++j) row[j] = !pad[j];
    check_mask({{"key_padding", {false, true, false, false, true}}}, a);
}

TEST_CASE("mask: window w allows |i − j| ≤ w", "[cli][mask]") {
    std::vector<std::vector<bool>> a(4, std::vector<bool>(5));
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 5; ++j) a[i][j] = std::abs(i - j) <= 1;
    check_mask({{"window", 1}}, a);
}

TEST_CASE("mask: a 0/1 matrix, with a fully masked row giving zero weights and output", "[cli][mask]") {
    const std::vector<std::vector<int>> m = {{1, 0, 1, 0, 1}, {0, 0, 0, 0, 0}, {1, 1, 1, 1, 1}, {0, 0, 0, 1, 0}};
    std::vector<std::vector<bool>> a;
    for (const auto& row : m) {
        a.emplace_back();
        for (int x : row) a.back().push_back(x != 0);
    }
    check_mask(m, a);
    const Rows q = pseudo_random(4, 3, 7), k = pseudo_random(5, 3, 8);
    const json r = compute({{"attention", "dot"}, {"query", to_json(q)}, {"key", to_json(k)}, {"mask", m}});
    const Rows w = rows_of(r["weights"]), o = rows_of(r["output"]);
    for (double x : w[1]) CHECK(x == 0.0);
    for (double x : o[1]) CHECK(x == 0.0);
}

// =====================================================================================
// [SECTION] Multi-head
// =====================================================================================

namespace {
struct MhaCase {
    std::size_t L, S, E, heads;
    Rows query, key, value, w_in, w_out;
    std::vector<double> b_in, b_out;

    json spec(const json& mask = "none", const char* implementation = "plain") const {
        return {{"attention", "multi_head"},
                {"num_heads", heads},
                {"query", to_json(query)},
                {"key", to_json(key)},
                {"value", to_json(value)},
                {"in_proj_weight", to_json(w_in)},
                {"in_proj_bias", b_in},
                {"out_proj_weight", to_json(w_out)},
                {"out_proj_bias", b_out},
                {"mask", mask},
                {"implementation", implementation}};
    }
};

MhaCase mha_case(std::size_t L, std::size_t S, std::size_t E, std::size_t heads, unsigned seed) {
    MhaCase c{L,
              S,
              E,
              heads,
              pseudo_random(L, E, seed),
              pseudo_random(S, E, seed + 1),
              pseudo_random(S, E, seed + 2),
              pseudo_random(3 * E, E, seed + 3),
              pseudo_random(E, E, seed + 4),
              {},
              {}};
    c.b_in = pseudo_random(1, 3 * E, seed + 5)[0];  // (copied: a range-for over [0] of a temporary would dangle)
    c.b_out = pseudo_random(1, E, seed + 6)[0];
    return c;
}

// PyTorch's nn.MultiheadAttention forward, in double. Returns output; weights per head in `weights`.
Rows mha_reference(const MhaCase& c, const std::vector<std::vector<bool>>& allowed, double temperature,
                   std::vector<Rows>& weights) {
    const std::size_t E = c.E, d = E / c.heads;
    auto block = [&](std::size_t r0) {
        return Rows(c.w_in.begin() + static_cast<std::ptrdiff_t>(r0),
                    c.w_in.begin() + static_cast<std::ptrdiff_t>(r0 + E));
    };
    const Rows Q = add_bias(matmul_abt(c.query, block(0)), c.b_in, 0);
    const Rows K = add_bias(matmul_abt(c.key, block(E)), c.b_in, E);
    const Rows V = add_bias(matmul_abt(c.value, block(2 * E)), c.b_in, 2 * E);
    Rows concat(c.L, std::vector<double>(E));
    weights.clear();
    for (std::size_t h = 0; h < c.heads; ++h) {
        const Rows s =
            scale(matmul_abt(columns(Q, h * d, d), columns(K, h * d, d)), 1 / (std::sqrt(double(d)) * temperature));
        weights.push_back(masked_softmax(s, allowed));
        const Rows o = matmul_ab(weights.back(), columns(V, h * d, d));
        for (std::size_t i = 0; i < c.L; ++i)
            for (std::size_t j = 0; j < d; ++j) concat[i][h * d + j] = o[i][j];
    }
    return add_bias(matmul_abt(concat, c.w_out), c.b_out);
}
}  // namespace

TEST_CASE("multi_head: matches PyTorch's forward computed in double", "[cli][multihead]") {
    const MhaCase c = mha_case(3, 5, 4, 2, 11);
    std::vector<std::vector<bool>> causal(3, std::vector<bool>(5));
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 5; ++j) causal[i][j] = j <= i;
    for (const auto& [mask, allowed] : {std::pair<json, std::vector<std::vector<bool>>>{"none", all_allowed(3, 5)},
                                        std::pair<json, std::vector<std::vector<bool>>>{"causal", causal}}) {
        INFO("mask " << mask.dump());
        const json r = compute(c.spec(mask));
        std::vector<Rows> want_w;
        const Rows want = mha_reference(c, allowed, 1.0, want_w);
        CHECK(max_abs_diff(rows_of(r["output"]), want) < 1e-5);
        REQUIRE(r["weights"].size() == 2);
        for (std::size_t h = 0; h < 2; ++h) CHECK(max_abs_diff(rows_of(r["weights"][h]), want_w[h]) < 1e-6);
        CHECK_FALSE(r.contains("scores"));
    }
}

TEST_CASE("multi_head: the tiled (online softmax) implementation gives the plain result", "[cli][multihead]") {
    // Longer than one 64-key tile so the online softmax really rescales.
    const MhaCase c = mha_case(70, 130, 8, 2, 21);
    std::vector<bool> pad(130, false);
    for (std::size_t j = 0; j < 130; j += 7) pad[j] = true;
    for (const json& mask : {json("none"), json("causal"), json({{"window", 20}}), json({{"key_padding", pad}})}) {
        INFO("mask " << mask.dump());
        const json plain = compute(c.spec(mask, "plain"));
        const json tiled = compute(c.spec(mask, "tiled"));
        CHECK(max_abs_diff(rows_of(plain["output"]), rows_of(tiled["output"])) < 1e-5);
        for (std::size_t h = 0; h < 2; ++h)
            CHECK(max_abs_diff(rows_of(plain["weights"][h]), rows_of(tiled["weights"][h])) < 1e-6);
    }
}

TEST_CASE("multi_head: temperature divides every head's scores", "[cli][multihead][temperature]") {
    const MhaCase c = mha_case(4, 6, 6, 3, 31);
    for (const double T : {2.0, 0.3}) {
        for (const char* implementation : {"plain", "tiled"}) {
            INFO("T = " << T << ", " << implementation);
            json spec = c.spec("none", implementation);
            spec["temperature"] = T;
            const json r = compute(spec);
            std::vector<Rows> want_w;
            const Rows want = mha_reference(c, all_allowed(4, 6), T, want_w);
            CHECK(max_abs_diff(rows_of(r["output"]), want) < 1e-5);
            for (std::size_t h = 0; h < 3; ++h) CHECK(max_abs_diff(rows_of(r["weights"][h]), want_w[h]) < 1e-6);
        }
    }
}

TEST_CASE("multi_head: biases are optional", "[cli][multihead]") {
    MhaCase c = mha_case(2, 3, 4, 4, 41);
    json spec = c.spec();
    spec.erase("in_proj_bias");
    spec.erase("out_proj_bias");
    c.b_in.assign(12, 0.0);
    c.b_out.assign(4, 0.0);
    std::vector<Rows> want_w;
    CHECK(max_abs_diff(rows_of(compute(spec)["output"]), mha_reference(c, all_allowed(2, 3), 1.0, want_w)) < 1e-5);
}

// =====================================================================================
// [SECTION] Output files and stdin
// =====================================================================================

TEST_CASE("csv: single head, L lines of S values equal to the JSON weights", "[cli][output]") {
    TempDir dir;
    const json spec = {{"attention", "scaled_dot"},
                       {"query", to_json(pseudo_random(3, 4, 51))},
                       {"key", to_json(pseudo_random(5, 4, 52))},
                       {"mask", "causal"}};
    const json r = compute(spec, {"--csv", dir.path("w.csv")});
    const std::string csv = read_file(dir.path("w.csv"));
    const Rows rows = parse_csv_rows(csv);
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows) CHECK(row.size() == 5);
    CHECK(max_abs_diff(rows, rows_of(r["weights"])) == 0.0);  // same shortest decimals
}

TEST_CASE("csv: multi-head long format head,row,col,value equal to the JSON weights", "[cli][output]") {
    TempDir dir;
    const MhaCase c = mha_case(3, 4, 4, 2, 61);
    const json r = compute(c.spec("causal"), {"--csv", dir.path("w.csv")});
    const auto lines = lines_of(read_file(dir.path("w.csv")));
    REQUIRE(lines.size() == 1 + 2 * 3 * 4);
    CHECK(lines[0] == "head,row,col,value");
    std::size_t n = 1;
    for (std::size_t h = 0; h < 2; ++h)
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 4; ++j, ++n) {
                const Rows cells = parse_csv_rows(lines[n]);
                REQUIRE(cells.size() == 1);
                REQUIRE(cells[0].size() == 4);
                CHECK(cells[0][0] == h);
                CHECK(cells[0][1] == i);
                CHECK(cells[0][2] == j);
                CHECK(cells[0][3] == r["weights"][h][i][j].get<double>());
            }
}

TEST_CASE("png: a valid PNG whose size follows the weights' shape", "[cli][output]") {
    TempDir dir;
    SECTION("single head: 3×5 weights scaled up to at least 256 px wide") {
        const json spec = {{"attention", "dot"},
                           {"query", to_json(pseudo_random(3, 2, 71))},
                           {"key", to_json(pseudo_random(5, 2, 72))}};
        compute(spec, {"--png", dir.path("w.png")});
        std::size_t w = 0, h = 0;
        REQUIRE(png_size(read_file(dir.path("w.png")), w, h));
        CHECK(w >= 256);
        REQUIRE(h % 3 == 0);
        const std::size_t cell = h / 3;
        CHECK(cell > 1);
        CHECK(w == 5 * cell);
    }
    SECTION("multi-head: heads side by side with a gap") {
        const MhaCase c = mha_case(3, 4, 4, 2, 73);
        compute(c.spec(), {"--png", dir.path("w.png")});
        std::size_t w = 0, h = 0;
        REQUIRE(png_size(read_file(dir.path("w.png")), w, h));
        REQUIRE(h % 3 == 0);
        const std::size_t cell = h / 3;
        CHECK(w >= 256);
        CHECK(w > 2 * 4 * cell);  // the gap between the two heads
        CHECK(w - 2 * 4 * cell < cell * 4);
    }
    SECTION("a long sequence keeps a bounded height") {
        const json spec = {{"attention", "dot"},
                           {"query", to_json(pseudo_random(600, 2, 74))},
                           {"key", to_json(pseudo_random(3, 2, 75))}};
        compute(spec, {"--png", dir.path("w.png")});
        std::size_t w = 0, h = 0;
        REQUIRE(png_size(read_file(dir.path("w.png")), w, h));
        CHECK(h % 600 == 0);
        CHECK(h <= 2048);
        CHECK(w == 3 * (h / 600));
    }
}

TEST_CASE("png: the file is the export module's heatmap of the weights, byte for byte (the app's writer)",
          "[cli][output]") {
    // The JSON's shortest decimals read back as the very floats attnlab computed.
    const auto matrix_of = [](const json& rows) {
        attn::Matrix m(rows.size(), rows[0].size());
        for (std::size_t i = 0; i < m.rows(); ++i)
            for (std::size_t j = 0; j < m.cols(); ++j) m(i, j) = static_cast<float>(rows[i][j].get<double>());
        return m;
    };
    TempDir dir;
    SECTION("single head") {
        const json spec = {{"attention", "scaled_dot"},
                           {"query", to_json(pseudo_random(4, 3, 76))},
                           {"key", to_json(pseudo_random(7, 3, 77))},
                           {"mask", "causal"}};
        const json r = compute(spec, {"--png", dir.path("w.png")});
        const attn::Matrix w = matrix_of(r["weights"]);
        const std::vector<attn::ConstMatrixView> heads = {w};
        CHECK(read_file(dir.path("w.png")) ==
              attn::ui::heatmap_png(heads, attn::ui::Colormap::viridis, attn::ui::range_from_zero(heads)));
    }
    SECTION("multi-head") {
        const MhaCase c = mha_case(5, 6, 6, 3, 78);
        const json r = compute(c.spec(json({{"window", 1}})), {"--png", dir.path("w.png")});
        std::vector<attn::Matrix> w;
        for (const json& h : r["weights"]) w.push_back(matrix_of(h));
        const std::vector<attn::ConstMatrixView> heads(w.begin(), w.end());
        CHECK(read_file(dir.path("w.png")) ==
              attn::ui::heatmap_png(heads, attn::ui::Colormap::viridis, attn::ui::range_from_zero(heads)));
    }
}

TEST_CASE("stdin: '-' reads the spec from standard input", "[cli][input]") {
    const json spec = scaled_dot_case().spec;
    TempDir dir;
    const RunResult from_file = run_attnlab({"compute", dir.write("s.json", spec.dump())});
    const RunResult from_stdin = run_attnlab({"compute", "-"}, spec.dump());
    INFO(from_stdin.err);
    REQUIRE(from_stdin.exit_code == 0);
    CHECK(from_stdin.out == from_file.out);
    CHECK(json::parse(from_stdin.out).contains("weights"));
}

TEST_CASE("output: -o writes the result JSON to the file and nothing to stdout", "[cli][output]") {
    TempDir dir;
    const std::string spec = dir.write("s.json", dot_case().spec.dump());
    const RunResult to_stdout = run_attnlab({"compute", spec});
    const RunResult to_file = run_attnlab({"compute", spec, "-o", dir.path("out.json")});
    REQUIRE(to_file.exit_code == 0);
    CHECK(to_file.out.empty());
    CHECK(read_file(dir.path("out.json")) == to_stdout.out);
    CHECK(dir.files() == std::vector<std::string>{"out.json", "s.json"});  // no temporary left behind
    const json r = json::parse(to_stdout.out);
    CHECK(r.size() == 3);  // exactly scores, weights, output
}
