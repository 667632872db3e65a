// test_cli_errors.cpp: attnlab compute on bad input. Every case must exit 2 with exactly
// one line "attnlab: <field>: <problem>" on stderr, print nothing on stdout, and create
// none of the output files it was asked to write.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>

#include <string>
#include <vector>

#include "cli_harness.hpp"

using namespace cli_test;

namespace {

struct BadCase {
    const char* name;
    std::string spec;      // the spec file's text
    std::string expected;  // a substring of the stderr line, including the field
};

const std::string kQ = R"("query": [[1, 0, 0, 1], [0, 1, 0, 1]])";
const std::string kK = R"("key": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])";
const std::string kDot = R"({"attention": "dot", )" + kQ + ", " + kK;

// E = 4: query 2×4, key 3×4, in_proj 12×4, out_proj 4×4.
std::string identity_rows(std::size_t n, std::size_t e) {
    std::string s = "[";
    for (std::size_t i = 0; i < n; ++i) {
        s += i ? ", [" : "[";
        for (std::size_t j = 0; j < e; ++j) s += std::string(j ? ", " : "") + (i % e == j ? "1" : "0");
        s += "]";
    }
    return s + "]";
}

std::string mha(const std::string& extra, std::size_t heads = 2, std::size_t in_rows = 12, std::size_t out_rows = 4) {
    return R"({"attention": "multi_head", "num_heads": )" + std::to_string(heads) + ", " + kQ + ", " + kK +
           R"(, "value": [[1, 2, 3, 4], [5, 6, 7, 8], [9, 0, 1, 2]], "in_proj_weight": )" + identity_rows(in_rows, 4) +
           R"(, "out_proj_weight": )" + identity_rows(out_rows, 4) + extra + "}";
}

std::string column(std::size_t rows) {
    std::string s = "[";
    for (std::size_t i = 0; i < rows; ++i) s += i ? ", [1]" : "[1]";
    return s + "]";
}

std::vector<BadCase> bad_cases() {
    return {
        // JSON itself
        {"not JSON", "{\"attention\": ", "invalid JSON"},
        {"empty file", "", "invalid JSON"},
        {"trailing garbage", kDot + "} x", "invalid JSON"},
        {"not an object", "[1, 2]", "expected a JSON object"},
        {"duplicate field", kDot + ", \"query\": [[1]]}", "query: appears twice"},
        {"number too large for a double", R"({"attention": "dot", "query": [[1, 1e999]], )" + kK + "}",
         "query: [0][1] is 1e999"},
        {"number too large for a float", R"({"attention": "dot", "query": [[1, 0, 0, 1e39]], )" + kK + "}",
         "query: [0][3] is 1e+39, too large for a 32-bit float"},
        {"nesting too deep", std::string(100, '[') + std::string(100, ']'), "nested more than"},
        // attention kind and fields
        {"missing attention", "{" + kQ + ", " + kK + "}", "attention: missing"},
        {"attention not a string", R"({"attention": 3, )" + kQ + ", " + kK + "}", "attention: is a number"},
        {"unknown attention kind", R"({"attention": "dott", )" + kQ + ", " + kK + "}",
         "attention: unknown kind \"dott\""},
        {"unknown field", kDot + ", \"temprature\": 2}", "temprature: unknown field"},
        {"control characters in a field name stay on one line", kDot + R"(, "x\u0000\n": 1})",
         "x\\x00\\x0A: unknown field"},
        {"multi-head field on a single head", kDot + ", \"num_heads\": 2}", "num_heads: unknown field for dot"},
        // matrices
        {"missing query", R"({"attention": "dot", )" + kK + "}", "query: missing"},
        {"missing key", R"({"attention": "dot", )" + kQ + "}", "key: missing"},
        {"ragged rows", R"({"attention": "dot", )" + kQ + R"(, "key": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1]]})",
         "key: row 2 has 3 values, row 0 has 4"},
        {"key columns differ from query", R"({"attention": "dot", )" + kQ + R"(, "key": [[1, 0, 0, 0, 0]]})",
         "key: has 5 columns, query has 4 columns"},
        {"value rows differ from key", kDot + R"(, "value": [[1], [2]]})", "value: has 2 rows, key has 3 rows"},
        {"string in a matrix", R"({"attention": "dot", "query": [[1, "x", 0, 0]], )" + kK + "}",
         "query: [0][1] is a string, expected a number"},
        {"null in a matrix", R"({"attention": "dot", "query": [[1, null, 0, 0]], )" + kK + "}",
         "query: [0][1] is null"},
        {"matrix is a string", R"({"attention": "dot", "query": "abc", )" + kK + "}", "query: is a string"},
        {"vector instead of a matrix", R"({"attention": "dot", "query": [1, 0, 0, 0], )" + kK + "}",
         "query: row 0 is a number"},
        {"empty matrix", R"({"attention": "dot", "query": [], )" + kK + "}", "query: is empty"},
        {"empty row", R"({"attention": "dot", "query": [[]], )" + kK + "}", "query: row 0 is empty"},
        // temperature
        {"temperature zero", kDot + R"(, "temperature": 0})", "temperature: must be > 0, found 0"},
        {"temperature negative", kDot + R"(, "temperature": -1.5})", "temperature: must be > 0, found -1.5"},
        {"temperature a string", kDot + R"(, "temperature": "hot"})", "temperature: is a string"},
        {"temperature below float range", kDot + R"(, "temperature": 1e-300})", "temperature: is 1e-300, too small"},
        // kind-specific parameters
        {"general without W", R"({"attention": "general", )" + kQ + ", " + kK + "}", "W: missing"},
        {"general W wrong shape", R"({"attention": "general", )" + kQ + ", " + kK + R"(, "W": [[1, 0], [0, 1]]})",
         "W: is 2×2, expected 4×4"},
        {"additive without v",
         R"({"attention": "additive", )" + kQ + ", " + kK + R"(, "W_q": [[1, 0, 0, 0]], "W_k": [[1, 0, 0, 0]]})",
         "v: missing"},
        {"additive v wrong length",
         R"({"attention": "additive", )" + kQ + ", " + kK +
             R"(, "W_q": [[1, 0, 0, 0], [0, 1, 0, 0]], "W_k": [[1, 0, 0, 0], [0, 1, 0, 0]], "v": [1, 2, 3]})",
         "v: has 3 entries, W_q has 2 rows"},
        {"additive W_k rows differ",
         R"({"attention": "additive", )" + kQ + ", " + kK +
             R"(, "W_q": [[1, 0, 0, 0], [0, 1, 0, 0]], "W_k": [[1, 0, 0, 0]], "v": [1, 2]})",
         "W_k: has 1 row, W_q has 2 rows"},
        {"additive W_q columns differ",
         R"({"attention": "additive", )" + kQ + ", " + kK + R"(, "W_q": [[1, 0]], "W_k": [[1, 0, 0, 0]], "v": [1]})",
         "W_q: has 2 columns, query has 4 columns"},
        // masks
        {"unknown mask", kDot + R"(, "mask": "diagonal"})", "mask: unknown mask \"diagonal\""},
        {"mask of the wrong type", kDot + R"(, "mask": 5})", "mask: is a number"},
        {"key_padding wrong length", kDot + R"(, "mask": {"key_padding": [true, false]}})",
         "mask: key_padding has 2 entries, key has 3 rows"},
        {"key_padding not booleans", kDot + R"(, "mask": {"key_padding": [true, "no", false]}})",
         "mask: key_padding[1] is a string"},
        {"negative window", kDot + R"(, "mask": {"window": -1}})", "mask: window is -1"},
        {"fractional window", kDot + R"(, "mask": {"window": 1.5}})", "mask: window is 1.5"},
        {"mask object with two keys", kDot + R"(, "mask": {"window": 1, "causal": true}})", "mask: object has 2 keys"},
        {"unknown mask object", kDot + R"(, "mask": {"stride": 2}})", "mask: unknown key \"stride\""},
        {"mask matrix wrong shape", kDot + R"(, "mask": [[1, 0], [0, 1]]})", "mask: is 2×2, expected 2×3"},
        {"mask matrix not 0/1", kDot + R"(, "mask": [[1, 2, 0], [0, 1, 1]]})", "mask: [0][1] is 2, expected 0 or 1"},
        // multi-head
        {"num_heads missing", mha("").replace(mha("").find("\"num_heads\": 2, "), 16, ""), "num_heads: missing"},
        {"num_heads does not divide E", mha("", 3), "num_heads: 3 does not divide the embedding size E = 4"},
        {"num_heads zero", mha("", 0), "num_heads: is 0, expected a positive integer"},
        {"in_proj_weight wrong shape", mha("", 2, 8), "in_proj_weight: is 8×4, expected 12×4"},
        {"out_proj_weight wrong shape", mha("", 2, 12, 3), "out_proj_weight: is 3×4, expected 4×4"},
        {"in_proj_bias wrong length", mha(R"(, "in_proj_bias": [1, 2, 3])"),
         "in_proj_bias: has 3 entries, expected 12"},
        {"out_proj_bias wrong length", mha(R"(, "out_proj_bias": [1, 2, 3])"),
         "out_proj_bias: has 3 entries, expected 4"},
        {"unknown implementation", mha(R"(, "implementation": "fast")"), "implementation: is \"fast\""},
        {"multi-head value columns differ",
         R"({"attention": "multi_head", "num_heads": 1, )" + kQ + ", " + kK + R"(, "value": [[1], [2], [3]]})",
         "value: has 1 column, query has 4 columns"},
        // results that do not fit
        {"scores overflow float", R"({"attention": "dot", "query": [[1e30, 1e30]], "key": [[1e30, 1e30]]})",
         "scores: [0][0] overflows float"},
        {"more than 2^26 scores",
         R"({"attention": "dot", "query": )" + column(8193) + R"(, "key": )" + column(8193) + "}",
         "scores: would be 8193×8193"},
    };
}

}  // namespace

TEST_CASE("bad input: exit 2, one stderr line naming the field, no output files", "[cli][errors]") {
    for (const BadCase& c : bad_cases()) {
        DYNAMIC_SECTION(c.name) {
            TempDir dir;
            const std::string spec = dir.write("spec.json", c.spec);
            const RunResult r = run_attnlab({"compute", spec, "-o", dir.path("out.json"), "--csv", dir.path("out.csv"),
                                             "--png", dir.path("out.png")});
            INFO("stderr: " << r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
            CHECK_THAT(r.err, Catch::StartsWith("attnlab: ") && Catch::EndsWith("\n") && Catch::Contains(c.expected));
            CHECK(r.err.find('\n') == r.err.size() - 1);                  // exactly one line
            CHECK(dir.files() == std::vector<std::string>{"spec.json"});  // no output, no temporary
        }
    }
}

TEST_CASE("bad input on stdin is reported against stdin", "[cli][errors]") {
    const RunResult r = run_attnlab({"compute", "-"}, "{\"attention\": \"dot\",");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("attnlab: stdin: invalid JSON"));
}

TEST_CASE("a NUL byte in a spec and a spec over 2 GiB are refused before parsing", "[cli][errors]") {
    const RunResult nul = run_attnlab({"compute", "-"}, kDot + std::string("}\0garbage", 9));
    CHECK(nul.exit_code == 2);
    CHECK_THAT(nul.err, Catch::StartsWith("attnlab: stdin: contains a NUL byte at offset"));
    TempDir dir;
    const std::string big = dir.write("big.json", kDot + "}");
    std::filesystem::resize_file(big, (std::uintmax_t{2} << 30) + 1);  // sparse: nothing is written
    const RunResult r = run_attnlab({"compute", big});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("big.json: is larger than 2 GiB"));
    const RunResult w = run_attnlab({"compute", "-", "--weights", big}, "{}");
    CHECK(w.exit_code == 2);
    CHECK_THAT(w.err, Catch::StartsWith("attnlab: --weights: ") && Catch::Contains("is larger than 2 GiB"));
}

TEST_CASE("usage errors exit 2 with one line", "[cli][errors]") {
    TempDir dir;
    const std::string spec = dir.write("s.json", kDot + "}");
    struct Usage {
        std::vector<std::string> args;
        const char* expected;
    };
    const Usage cases[] = {
        {{"compute", spec, "--bogus"}, "--bogus"},
        {{"frobnicate"}, "frobnicate"},
        {{}, "subcommand"},
        {{"compute"}, "SPEC: missing"},
        {{"compute", spec, "--example"}, "excludes"},
        {{"compute", spec, "-o"}, "-o"},
        {{"compute", dir.path("nonexistent.json")}, "nonexistent.json: cannot open"},
        {{"compute", dir.path("")}, "cannot read"},  // a directory
        {{"compute", spec, "-o", dir.path("same"), "--csv", dir.path("same")}, "--csv: writes to"},
    };
    for (const Usage& u : cases) {
        std::string joined;
        for (const auto& a : u.args) joined += a + " ";
        INFO("args: " << joined);
        const RunResult r = run_attnlab(u.args);
        INFO("stderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("attnlab: ") && Catch::Contains(u.expected, Catch::CaseSensitive::No));
        CHECK(r.err.find('\n') == r.err.size() - 1);
    }
    CHECK(dir.files() == std::vector<std::string>{"s.json"});
}

TEST_CASE("an output that cannot be written leaves no other output behind", "[cli][errors]") {
    TempDir dir;
    const std::string spec = dir.write("s.json", kDot + "}");
    const RunResult r =
        run_attnlab({"compute", spec, "-o", dir.path("out.json"), "--png", dir.path("no/such/dir/w.png")});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("attnlab: --png: cannot write"));
    CHECK(dir.files() == std::vector<std::string>{"s.json"});  // out.json was not written either
}

TEST_CASE("truncated specs never crash: every prefix of a valid spec is a clean error", "[cli][errors]") {
    const std::string full = mha(R"(, "in_proj_bias": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "mask": {"window": 1})");
    TempDir dir;
    const RunResult ok = run_attnlab({"compute", dir.write("full.json", full)});
    REQUIRE(ok.exit_code == 0);
    for (std::size_t n = 0; n + 1 < full.size(); n += 5) {
        const RunResult r = run_attnlab({"compute", "-"}, full.substr(0, n));
        INFO("prefix of " << n << " bytes: " << full.substr(0, n) << "\nstderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("attnlab: stdin: invalid JSON"));
    }
}
