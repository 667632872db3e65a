// test_cli_weights.cpp: attnlab compute --weights FILE.safetensors [--weights-prefix PREFIX].
//
// [SECTION] Building safetensors files here, byte by byte
// [SECTION] PyTorch's own nn.MultiheadAttention (tests/golden/mha_weights*)
// [SECTION] Decoding, prefixes, mixing file and spec
// [SECTION] Broken files and conflicts: exit 2, one line naming --weights (and the tensor)
//
// The golden files are made by scripts/make_golden.py with PyTorch; every broken file is built
// here from a valid one, so each case shows exactly what is wrong with it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cli_harness.hpp"

#ifndef ATTN_GOLDEN_DIR
#error "ATTN_GOLDEN_DIR must name the tests/golden folder"
#endif

using namespace cli_test;

namespace {

// =====================================================================================
// [SECTION] Building safetensors files here, byte by byte
// =====================================================================================

std::string le(std::uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

struct Raw {
    std::string name, dtype;
    std::vector<std::size_t> shape;
    std::string bytes;  // little-endian values
};

Raw f32(const std::string& name, std::vector<std::size_t> shape, const std::vector<float>& v) {
    std::string b;
    for (float x : v) {
        std::uint32_t bits;
        std::memcpy(&bits, &x, 4);
        b += le(bits, 4);
    }
    return {name, "F32", std::move(shape), b};
}

Raw f64(const std::string& name, std::vector<std::size_t> shape, const std::vector<double>& v) {
    std::string b;
    for (double x : v) {
        std::uint64_t bits;
        std::memcpy(&bits, &x, 8);
        b += le(bits, 8);
    }
    return {name, "F64", std::move(shape), b};
}

// F16 or BF16 from raw 16-bit patterns.
Raw bits16(const std::string& name, const char* dtype, std::vector<std::size_t> shape,
           const std::vector<std::uint16_t>& v) {
    std::string b;
    for (std::uint16_t x : v) b += le(x, 2);
    return {name, dtype, std::move(shape), b};
}

// A safetensors file: the header as JSON (tests edit it) and the data buffer.
struct File {
    json header = json::object();
    std::string data;

    std::string bytes() const { return with_header(header.dump(), data); }
    static std::string with_header(const std::string& header_text, const std::string& data) {
        return le(header_text.size(), 8) + header_text + data;
    }
};

// Tensors laid out one after another, as every writer does.
File make_file(const std::vector<Raw>& tensors) {
    File f;
    for (const Raw& t : tensors) {
        f.header[t.name] = {
            {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {f.data.size(), f.data.size() + t.bytes.size()}}};
        f.data += t.bytes;
    }
    return f;
}

std::vector<float> flat(const Rows& m) {
    std::vector<float> v;
    for (const auto& r : m)
        for (double x : r) v.push_back(static_cast<float>(x));
    return v;
}

json to_json(const Rows& rows) {
    json j = json::array();
    for (const auto& r : rows) j.push_back(r);
    return j;
}

// One nn.MultiheadAttention with E = 4 (values are multiples of 1/64: exact in every format).
struct Params {
    Rows w_in = pseudo_random(12, 4, 1), w_out = pseudo_random(4, 4, 2);
    Rows b_in = pseudo_random(1, 12, 3), b_out = pseudo_random(1, 4, 4);
};

const std::string kPrefix = "layers.0.self_attn.";

std::vector<Raw> mha_tensors(const std::string& prefix, const Params& p = Params()) {
    return {f32(prefix + "in_proj_weight", {12, 4}, flat(p.w_in)), f32(prefix + "in_proj_bias", {12}, flat(p.b_in)),
            f32(prefix + "out_proj.weight", {4, 4}, flat(p.w_out)), f32(prefix + "out_proj.bias", {4}, flat(p.b_out))};
}

json base_spec() {
    return {{"attention", "multi_head"},
            {"num_heads", 2},
            {"query", to_json(pseudo_random(2, 4, 5))},
            {"key", to_json(pseudo_random(3, 4, 6))}};
}

json inline_spec(const Params& p = Params()) {
    json s = base_spec();
    s["in_proj_weight"] = to_json(p.w_in);
    s["in_proj_bias"] = p.b_in[0];
    s["out_proj_weight"] = to_json(p.w_out);
    s["out_proj_bias"] = p.b_out[0];
    return s;
}

// attnlab compute spec.json --weights w.safetensors extra...
RunResult run_weights(const TempDir& dir, const json& spec, const std::string& file,
                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"compute", dir.write("spec.json", spec.dump()), "--weights",
                                     dir.write("w.safetensors", file)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_attnlab(args);
}

json compute_ok(const RunResult& r) {
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.err.empty());
    return json::parse(r.out);
}

std::string golden(const std::string& name) { return std::string(ATTN_GOLDEN_DIR) + "/" + name; }

double max_weights_diff(const json& got, const json& want) {
    double d = 0;
    if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
    for (std::size_t h = 0; h < got.size(); ++h) d = std::max(d, max_abs_diff(rows_of(got[h]), rows_of(want[h])));
    return d;
}

}  // namespace

// =====================================================================================
// [SECTION] PyTorch's own nn.MultiheadAttention (tests/golden/mha_weights*)
// =====================================================================================

TEST_CASE("weights: a PyTorch state_dict in F32 matches nn.MultiheadAttention (prefix found by itself)",
          "[cli][weights][golden]") {
    const json spec = json::parse(read_file(golden("mha_weights.json")));
    const json& want = spec["_variants"]["F32"];
    REQUIRE(want["file"] == "mha_weights.safetensors");
    const RunResult r =
        run_attnlab({"compute", golden("mha_weights.json"), "--weights", golden("mha_weights.safetensors")});
    const json got = compute_ok(r);
    // PyTorch ran in float64 on the same float32 parameters: the difference is attnlab's float32 maths.
    CHECK(max_abs_diff(rows_of(got["output"]), rows_of(want["expected_output"])) < 1e-5);
    CHECK(max_weights_diff(got["weights"], want["expected_weights"]) < 1e-5);
}

TEST_CASE("weights: F16, BF16 and F64 files are read exactly, within the conversion of the float64 master",
          "[cli][weights][golden]") {
    const json spec = json::parse(read_file(golden("mha_weights.json")));
    struct Variant {
        const char* dtype;
        double vs_master;  // output tolerance against PyTorch on the unrounded float64 parameters
    };
    // Measured (make_golden.py prints them): F16 6.4e-4, BF16 3.5e-3, F64 2.4e-7.
    for (const Variant& v : {Variant{"F16", 2e-3}, Variant{"BF16", 1e-2}, Variant{"F64", 1e-5}}) {
        INFO(v.dtype);
        const json& want = spec["_variants"][v.dtype];
        const RunResult r =
            run_attnlab({"compute", golden("mha_weights.json"), "--weights", golden(want["file"].get<std::string>()),
                         "--weights-prefix", spec["_prefix"].get<std::string>()});
        const json got = compute_ok(r);
        // Against PyTorch on exactly the values the file stores: any decoding slip shows here.
        CHECK(max_abs_diff(rows_of(got["output"]), rows_of(want["expected_output"])) < 1e-5);
        CHECK(max_weights_diff(got["weights"], want["expected_weights"]) < 1e-5);
        const double vs_master = max_abs_diff(rows_of(got["output"]), rows_of(spec["_master"]["expected_output"]));
        CHECK(vs_master < v.vs_master);
        if (std::string(v.dtype) != "F64") CHECK(vs_master > 1e-5);  // the rounding is real: this file is not F32
    }
}

TEST_CASE("weights: the same parameters from the file or inline give identical output", "[cli][weights][golden]") {
    json spec = json::parse(read_file(golden("mha_weights.json")));
    const RunResult from_file =
        run_attnlab({"compute", golden("mha_weights.json"), "--weights", golden("mha_weights.safetensors")});
    const json params = spec["_f32_parameters"];
    for (const auto& [field, value] : params.items()) spec[field] = value;
    TempDir dir;
    const RunResult from_spec = run_attnlab({"compute", dir.write("inline.json", spec.dump())});
    REQUIRE(from_file.exit_code == 0);
    REQUIRE(from_spec.exit_code == 0);
    CHECK(from_file.out == from_spec.out);
}

// =====================================================================================
// [SECTION] Decoding, prefixes, mixing file and spec
// =====================================================================================

namespace {
// With W_in = 0 every head's output is 0, so the layer's output rows are exactly out_proj.bias:
// the values the CLI decoded, printed in shortest round-trip form.
std::vector<float> decoded_bias(const Raw& bias, const Raw& out_weight) {
    File f = make_file({f32("in_proj_weight", {12, 4}, std::vector<float>(48, 0.0f)), out_weight, bias});
    // Pad the header (with spaces, as the format allows) so the data starts at an odd offset:
    // the reader must not depend on alignment.
    std::string header = f.header.dump();
    while ((8 + header.size()) % 2 == 0) header += ' ';
    TempDir dir;
    const json got = compute_ok(run_weights(dir, base_spec(), File::with_header(header, f.data)));
    std::vector<float> out;
    for (const auto& row : got["output"]) {
        std::vector<float> r;
        for (const auto& x : row) r.push_back(static_cast<float>(x.get<double>()));
        if (out.empty()) out = r;
        CHECK(r == out);  // every row the same
    }
    return out;
}
}  // namespace

TEST_CASE("weights: F16, BF16 and F64 values decode exactly (subnormals, extremes, signs, odd offsets)",
          "[cli][weights]") {
    SECTION("F16") {
        const auto got = decoded_bias(bits16("out_proj.bias", "F16", {4}, {0x0001, 0x83FF, 0xC000, 0x7BFF}),
                                      bits16("out_proj.weight", "F16", {4, 4}, std::vector<std::uint16_t>(16, 0x8000)));
        // 2^-24 (smallest subnormal), −1023·2^-24 (largest subnormal, negative), −2, 65504 (largest half)
        CHECK(got == std::vector<float>{5.9604644775390625e-08f, -6.097555160522461e-05f, -2.0f, 65504.0f});
    }
    SECTION("BF16") {
        const auto got = decoded_bias(bits16("out_proj.bias", "BF16", {4}, {0x3F80, 0xC049, 0x0001, 0x7F7F}),
                                      bits16("out_proj.weight", "BF16", {4, 4}, std::vector<std::uint16_t>(16, 0)));
        // 1, −3.140625, 2^-133 (a float subnormal), 0x7F7F0000 = 3.3895314e38
        CHECK(got == std::vector<float>{1.0f, -3.140625f, 9.18354961579912115600575419705e-41f,
                                        3.38953138925153547590470800371e38f});
    }
    SECTION("F64") {
        const auto got = decoded_bias(f64("out_proj.bias", {4}, {0.1, -1e-310, 3.4028234663852886e38, -123.456}),
                                      f64("out_proj.weight", {4, 4}, std::vector<double>(16, 0.25)));
        // Rounded to the nearest float; a double subnormal becomes (−)0; FLT_MAX itself is allowed.
        CHECK(got == std::vector<float>{0.1f, 0.0f, std::numeric_limits<float>::max(), -123.456f});
    }
}

TEST_CASE("weights: biases may come from the spec when the file has none", "[cli][weights]") {
    const Params p;
    json spec = base_spec();
    spec["in_proj_bias"] = p.b_in[0];
    spec["out_proj_bias"] = p.b_out[0];
    const File f =
        make_file({f32("m.in_proj_weight", {12, 4}, flat(p.w_in)), f32("m.out_proj.weight", {4, 4}, flat(p.w_out))});
    TempDir dir;
    const RunResult from_file = run_weights(dir, spec, f.bytes());
    const RunResult from_spec = run_attnlab({"compute", dir.write("inline.json", inline_spec(p).dump())});
    REQUIRE(from_file.exit_code == 0);
    CHECK(from_file.out == from_spec.out);
}

TEST_CASE("weights: a file without biases means no bias", "[cli][weights]") {
    Params p;
    const File f =
        make_file({f32("in_proj_weight", {12, 4}, flat(p.w_in)), f32("out_proj.weight", {4, 4}, flat(p.w_out))});
    p.b_in = Rows(1, std::vector<double>(12, 0.0));
    p.b_out = Rows(1, std::vector<double>(4, 0.0));
    TempDir dir;
    const RunResult from_file = run_weights(dir, base_spec(), f.bytes());
    const RunResult from_spec = run_attnlab({"compute", dir.write("inline.json", inline_spec(p).dump())});
    REQUIRE(from_file.exit_code == 0);
    CHECK(from_file.out == from_spec.out);
}

TEST_CASE("weights: --weights-prefix picks one layer of several; bare names win without it", "[cli][weights]") {
    Params a, b;
    b.w_in = pseudo_random(12, 4, 11);
    b.b_out = pseudo_random(1, 4, 12);
    std::vector<Raw> tensors = mha_tensors("enc.layers.0.self_attn.", a);
    for (Raw& t : mha_tensors("enc.layers.1.self_attn.", b)) tensors.push_back(t);
    TempDir dir;
    const RunResult want_b = run_attnlab({"compute", dir.write("b.json", inline_spec(b).dump())});
    const RunResult got_b =
        run_weights(dir, base_spec(), make_file(tensors).bytes(), {"--weights-prefix", "enc.layers.1.self_attn."});
    REQUIRE(got_b.exit_code == 0);
    CHECK(got_b.out == want_b.out);

    // Bare names next to prefixed ones: the bare ones are the layer, no ambiguity.
    for (Raw& t : mha_tensors("", a)) tensors.push_back(t);
    const RunResult want_a = run_attnlab({"compute", dir.write("a.json", inline_spec(a).dump())});
    const RunResult got_a = run_weights(dir, base_spec(), make_file(tensors).bytes());
    INFO(got_a.err);
    REQUIRE(got_a.exit_code == 0);
    CHECK(got_a.out == want_a.out);
    // --weights-prefix "" says the same explicitly.
    CHECK(run_weights(dir, base_spec(), make_file(tensors).bytes(), {"--weights-prefix", ""}).out == want_a.out);
}

TEST_CASE("weights: unused tensors of other dtypes, empty tensors, scalars and metadata are fine", "[cli][weights]") {
    std::vector<Raw> tensors = mha_tensors(kPrefix);
    tensors.push_back({"embeddings.position_ids", "I64", {1, 3}, le(0, 8) + le(1, 8) + le(2, 8)});
    tensors.push_back({"mask", "BOOL", {3}, std::string("\x01\x00\x01", 3)});
    tensors.push_back(f32("empty", {0, 4}, {}));
    tensors.push_back(f32("scale", {}, {0.5f}));
    File f = make_file(tensors);
    f.header["__metadata__"] = {{"format", "pt"}, {"note", "made in a test"}};
    TempDir dir;
    const RunResult r = run_weights(dir, base_spec(), f.bytes());
    const RunResult want = run_attnlab({"compute", dir.write("inline.json", inline_spec().dump())});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == want.out);
}

TEST_CASE("weights: compute --help documents --weights and --weights-prefix", "[cli][weights]") {
    const RunResult r = run_attnlab({"compute", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* s : {"--weights", "--weights-prefix", "safetensors", "out_proj.weight", "F16", "BF16"})
        CHECK_THAT(r.out, Catch::Contains(s));
}

// =====================================================================================
// [SECTION] Broken files and conflicts
// =====================================================================================

namespace {

struct BadFile {
    const char* name;
    std::string bytes;
    std::string tensor;    // the tensor the field names ("--weights: <tensor>"); empty: the file as a whole
    std::string fragment;  // a substring of the problem
    json spec = base_spec();
    std::vector<std::string> extra = {};
};

File valid() { return make_file(mha_tensors(kPrefix)); }

// valid() with one edit to its header.
std::string edited(const std::string& tensor, const char* key, const json& value) {
    File f = valid();
    if (value.is_null())
        f.header[kPrefix + tensor].erase(key);
    else
        f.header[kPrefix + tensor][key] = value;
    return f.bytes();
}

std::vector<BadFile> bad_files() {
    const std::string W = kPrefix + "in_proj_weight", B = kPrefix + "in_proj_bias", OB = kPrefix + "out_proj.bias";
    const std::size_t buffer = 192 + 48 + 64 + 16;  // the four tensors of valid(), in bytes
    std::vector<BadFile> cases;

    // The file as a whole
    cases.push_back({"shorter than the length field", valid().bytes().substr(0, 5), "", "is 5 bytes long, too short"});
    cases.push_back({"header length larger than the file", le(1000, 8) + "{}", "",
                     "the header length is 1000 bytes, but only 2 bytes follow it"});
    cases.push_back({"header length over the format's 100 MB cap", le(200'000'000, 8) + "{}", "",
                     "more than the format's limit of 100000000"});
    cases.push_back(
        {"header cut short by truncation", valid().bytes().substr(0, 40), "", "bytes, but only 32 bytes follow it"});
    cases.push_back({"header not valid JSON", File::with_header("{\"a\": ", ""), "", "the header is not valid JSON"});
    cases.push_back({"header not an object", File::with_header("[1, 2]", ""), "", "does not start with '{'"});
    cases.push_back({"header padded with NUL bytes",
                     File::with_header(valid().header.dump() + std::string(3, '\0'), valid().data), "",
                     "the header is padded with NUL bytes from byte"});
    cases.push_back({"NUL byte inside the header", File::with_header(std::string("{}\0{\"x\": 1}", 11), ""), "",
                     "has a NUL byte at byte 2"});
    cases.push_back({"metadata not strings",
                     [] {
                         File f = valid();
                         f.header["__metadata__"] = {{"format", 1}};
                         return f.bytes();
                     }(),
                     "", "__metadata__ \"format\" is 1, expected a string"});
    cases.push_back({"bytes after the last tensor (a hole at the end)", valid().bytes() + "junk", "",
                     "bytes " + std::to_string(buffer) + ".." + std::to_string(buffer + 4) +
                         " of the data buffer belong to no tensor"});

    // One entry
    cases.push_back({"duplicate tensor name",
                     File::with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                                       R"( "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                                       std::string(8, '\0')),
                     "a", "appears twice"});
    cases.push_back(
        {"unknown dtype", edited("in_proj_weight", "dtype", "Q7"), W, "has dtype \"Q7\", which attnlab does not know"});
    cases.push_back({"dtype attnlab does not read, on a tensor it needs", edited("in_proj_weight", "dtype", "I32"), W,
                     "has dtype I32; attnlab reads F32, F64, F16 and BF16"});
    cases.push_back({"dtype missing", edited("in_proj_bias", "dtype", nullptr), B, "has no dtype"});
    cases.push_back({"dtype not a string", edited("in_proj_bias", "dtype", 4), B, "dtype is 4, expected a string"});
    cases.push_back({"shape missing", edited("in_proj_bias", "shape", nullptr), B, "has no shape"});
    cases.push_back(
        {"shape not an array", edited("in_proj_weight", "shape", "12x4"), W, "shape is \"12x4\", expected an array"});
    cases.push_back({"negative dimension", edited("in_proj_weight", "shape", {-12, 4}), W,
                     "shape[0] is -12, expected a non-negative integer"});
    cases.push_back({"fractional dimension", edited("in_proj_weight", "shape", {12, 4.5}), W,
                     "shape[1] is 4.5, expected a non-negative integer"});
    cases.push_back(
        {"data_offsets missing", edited("in_proj_bias", "data_offsets", nullptr), B, "has no data_offsets"});
    cases.push_back({"data_offsets of one value", edited("in_proj_bias", "data_offsets", {0}), B,
                     "data_offsets is an array of 1 value, expected [begin, end]"});
    cases.push_back({"data_offsets negative", edited("in_proj_bias", "data_offsets", {-4, 44}), B,
                     "data_offsets[0] is -4, expected a non-negative integer"});
    cases.push_back(
        {"unknown entry field", edited("in_proj_bias", "offsets", {0, 1}), B, "has an unknown field \"offsets\""});
    cases.push_back({"begin after end", edited("in_proj_weight", "data_offsets", {192, 0}), W,
                     "data_offsets [192, 0] end before they begin"});
    cases.push_back({"offsets beyond the buffer", edited("out_proj.bias", "data_offsets", {304, 324}), OB,
                     "data_offsets [304, 324] run past the end of the data buffer (320 bytes)"});
    cases.push_back({"truncated data", valid().bytes().substr(0, valid().bytes().size() - 10), OB,
                     "run past the end of the data buffer (310 bytes)"});
    cases.push_back({"byte count differs from the shape", edited("in_proj_weight", "shape", {12, 5}), W,
                     "has 192 bytes (data_offsets [0, 192]), but shape [12, 5] of F32 needs 240 (60 × 4 bytes)"});
    cases.push_back({"shape product overflows 64 bits",
                     edited("in_proj_weight", "shape", {4294967296u, 4294967296u, 2}), W,
                     "whose element count overflows 64 bits"});
    cases.push_back({"more elements than the core's limit", edited("in_proj_weight", "shape", {8192, 8193}), W,
                     "= 67117056 elements, more than the limit of 67108864"});

    // The entries together
    cases.push_back({"overlapping tensors",
                     [] {
                         File f = make_file({f32("a", {4}, {1, 2, 3, 4}), f32("b", {4}, {5, 6, 7, 8})});
                         f.header["b"]["data_offsets"] = {8, 24};
                         f.data += std::string(8, '\0');
                         return f.bytes();
                     }(),
                     "b", "data_offsets [8, 24] overlap those of a [0, 16]"});
    cases.push_back({"a hole between tensors",
                     [] {
                         File f = make_file({f32("a", {4}, {1, 2, 3, 4}), f32("b", {4}, {5, 6, 7, 8})});
                         f.header["b"]["data_offsets"] = {20, 36};
                         f.data += std::string(4, '\0');
                         return f.bytes();
                     }(),
                     "b", "leaving bytes 16..20 to no tensor"});

    // Values
    cases.push_back({"NaN in F32",
                     [] {
                         std::vector<Raw> t = mha_tensors(kPrefix);
                         std::vector<float> w = flat(Params().w_in);
                         w[5] = std::numeric_limits<float>::quiet_NaN();
                         t[0] = f32(kPrefix + "in_proj_weight", {12, 4}, w);
                         return make_file(t).bytes();
                     }(),
                     W, "has a NaN at index 5 ([1][1]); weights must be finite"});
    cases.push_back({"+inf in F16", make_file({bits16("x", "F16", {4}, {0x3C00, 0x3C00, 0x7C00, 0})}).bytes(), "x",
                     "has +inf at index 2"});
    cases.push_back(
        {"NaN in BF16", make_file({bits16("x", "BF16", {2}, {0x3F80, 0xFFC1})}).bytes(), "x", "has a NaN at index 1"});
    cases.push_back({"F64 beyond float's range", make_file({f64("x", {2}, {1.0, -1e300})}).bytes(), "x",
                     "has -1e+300 at index 1, too large for a 32-bit float"});

    // Against the spec
    cases.push_back({"in_proj_weight missing from file and spec",
                     [] {
                         std::vector<Raw> t = mha_tensors(kPrefix);
                         t.erase(t.begin());
                         return make_file(t).bytes();
                     }(),
                     "", "has no tensor " + W + " and the spec has no in_proj_weight field"});
    cases.push_back({"in_proj_weight 3E×(E+1)",
                     [] {
                         std::vector<Raw> t = mha_tensors(kPrefix);
                         t[0] = f32(kPrefix + "in_proj_weight", {12, 5}, std::vector<float>(60, 0.5f));
                         return make_file(t).bytes();
                     }(),
                     W, "is 12×5, expected 12×4 (3E×E with E = 4"});
    cases.push_back({"bias of rank 2",
                     [] {
                         std::vector<Raw> t = mha_tensors(kPrefix);
                         t[1].shape = {1, 12};
                         return make_file(t).bytes();
                     }(),
                     B, "is 1×12, expected [12] (3E with E = 4) for in_proj_bias"});
    cases.push_back({"out_proj.weight E×(E−1)",
                     [] {
                         std::vector<Raw> t = mha_tensors(kPrefix);
                         t[2] = f32(kPrefix + "out_proj.weight", {4, 3}, std::vector<float>(12, 0.5f));
                         return make_file(t).bytes();
                     }(),
                     kPrefix + "out_proj.weight", "is 4×3, expected 4×4 (E×E with E = 4) for out_proj_weight"});
    {
        BadFile both{"a parameter in both the spec and the file", valid().bytes(), W,
                     "is also given in the spec as in_proj_weight"};
        both.spec = inline_spec();
        cases.push_back(both);
    }
    {
        std::vector<Raw> t = mha_tensors("enc.layers.0.self_attn.");
        for (Raw& x : mha_tensors("enc.layers.1.self_attn.")) t.push_back(x);
        cases.push_back({"two layers and no --weights-prefix", make_file(t).bytes(), "",
                         "holds several attention layers' parameters (prefixes \"enc.layers.0.self_attn.\", "
                         "\"enc.layers.1.self_attn.\"); choose one with --weights-prefix"});
    }
    cases.push_back({"a prefix that matches nothing",
                     valid().bytes(),
                     "",
                     "has no tensor nope.in_proj_weight",
                     base_spec(),
                     {"--weights-prefix", "nope."}});
    {
        BadFile single{"a single-head spec", valid().bytes(), "",
                       "gives the parameters of multi_head attention, but the spec's attention is \"dot\""};
        single.spec = {{"attention", "dot"}, {"query", {{1, 0}}}, {"key", {{1, 0}}}};
        cases.push_back(single);
    }
    return cases;
}

}  // namespace

TEST_CASE("weights: broken files exit 2 with one line naming --weights and the tensor, and write nothing",
          "[cli][weights][errors]") {
    for (const BadFile& c : bad_files()) {
        DYNAMIC_SECTION(c.name) {
            TempDir dir;
            const std::string spec = dir.write("spec.json", c.spec.dump());
            const std::string file = dir.write("w.safetensors", c.bytes);
            std::vector<std::string> args = {
                "compute",           spec,    "--weights",        file, "-o", dir.path("out.json"), "--csv",
                dir.path("out.csv"), "--png", dir.path("out.png")};
            args.insert(args.end(), c.extra.begin(), c.extra.end());
            const RunResult r = run_attnlab(args);
            INFO("stderr: " << r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
            // The field: "--weights" with the file first in the problem, or "--weights: <tensor>"
            // with the file at the end.
            if (c.tensor.empty())
                CHECK_THAT(r.err, Catch::StartsWith("attnlab: --weights: " + file + ": "));
            else
                CHECK_THAT(r.err, Catch::StartsWith("attnlab: --weights: " + c.tensor + ": ") &&
                                      Catch::EndsWith(" (in " + file + ")\n"));
            CHECK_THAT(r.err, Catch::Contains(c.fragment));
            CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
            CHECK(dir.files() == std::vector<std::string>{"spec.json", "w.safetensors"});
        }
    }
}

TEST_CASE("weights: every prefix of a valid file is a clean --weights error", "[cli][weights][errors]") {
    const std::string full = valid().bytes();
    TempDir dir;
    REQUIRE(run_weights(dir, base_spec(), full).exit_code == 0);
    for (std::size_t n = 0; n < full.size(); n += 7) {
        const RunResult r = run_weights(dir, base_spec(), full.substr(0, n));
        INFO("first " << n << " of " << full.size() << " bytes; stderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("attnlab: --weights"));
        CHECK(r.err.find('\n') == r.err.size() - 1);
    }
}

TEST_CASE("weights: usage errors", "[cli][weights][errors]") {
    TempDir dir;
    const std::string spec = dir.write("s.json", base_spec().dump());
    struct Usage {
        std::vector<std::string> args;
        std::string expected;
    };
    const Usage cases[] = {
        {{"compute", spec, "--weights", dir.path("none.safetensors")},
         "--weights: " + dir.path("none.safetensors") + ": cannot open"},
        {{"compute", spec, "--weights-prefix", "x."}, "--weights-prefix requires --weights"},
        {{"compute", "--example", "--weights", spec}, "excludes"},
        {{"compute", spec, "--weights"}, "--weights"},
    };
    for (const Usage& u : cases) {
        const RunResult r = run_attnlab(u.args);
        INFO("stderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("attnlab: ") && Catch::Contains(u.expected));
        CHECK(r.err.find('\n') == r.err.size() - 1);
    }
}
