// test_safetensors.cpp: the core's safetensors reader and writer (attn/safetensors.hpp), from
// bytes. The reader's 43 broken files are tested through the CLI (tests/cli/test_cli_weights.cpp,
// which checks every message) and fuzzed (tests/fuzz/fuzz_weights.cpp); here: the writer, the
// round trip, and the error type's two kinds (one tensor, the file as a whole).
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attn/safetensors.hpp"

using nlohmann::json;
namespace st = attn::safetensors;

namespace {

std::uint64_t read_le64(const std::string& b) {
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= std::uint64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    return n;
}

std::string le64(std::uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

json header_of(const std::string& bytes) { return json::parse(bytes.substr(8, read_le64(bytes))); }
std::string data_of(const std::string& bytes) { return bytes.substr(8 + read_le64(bytes)); }
std::string with_header(const json& header, const std::string& data) {
    const std::string h = header.dump();
    return le64(h.size()) + h + data;
}

}  // namespace

// =====================================================================================
// [SECTION] safetensors: write, then read back
// =====================================================================================

TEST_CASE("safetensors: written files read back exactly, header padded to 8 bytes, data in the given order",
          "[safetensors]") {
    const std::vector<float> a = {1.5f, -0.0f, 3.4028235e38f, 1e-45f, -2.25f, 7.0f};
    const std::vector<float> b = {0.1f};
    const std::string bytes = st::write({{"w", {2, 3}, a.data()}, {"s", {}, b.data()}, {"e", {0, 4}, nullptr}},
                                        {{"format", "pt"}, {"note", "\"quoted\"\n"}});
    const std::uint64_t n = read_le64(bytes);
    CHECK(n % 8 == 0);
    CHECK(bytes.size() == 8 + n + 4 * 7);
    const json h = header_of(bytes);
    CHECK(h["w"]["data_offsets"] == json::array({0, 24}));
    CHECK(h["s"]["data_offsets"] == json::array({24, 28}));
    CHECK(h["e"]["shape"] == json::array({0, 4}));
    CHECK(h["__metadata__"]["note"] == "\"quoted\"\n");

    const st::File f = st::parse(bytes);
    REQUIRE(f.tensors.size() == 3);
    CHECK(f.tensors[0].name == "w");
    CHECK(f.tensors[0].dtype == "F32");
    CHECK(f.tensors[0].shape == std::vector<std::size_t>{2, 3});
    REQUIRE(f.tensors[0].values.size() == 6);
    CHECK(std::memcmp(f.tensors[0].values.data(), a.data(), 24) == 0);  // bit for bit, −0 included
    CHECK(f.find("s")->values == b);
    CHECK(f.find("e")->values.empty());
    REQUIRE(f.find_metadata("format"));
    CHECK(*f.find_metadata("format") == "pt");
    CHECK(f.find_metadata("nope") == nullptr);
}

TEST_CASE("safetensors: the writer refuses what the reader would refuse", "[safetensors][errors]") {
    const float nan = std::numeric_limits<float>::quiet_NaN(), one = 1.0f;
    const std::vector<float> v = {1.0f, nan};
    CHECK_THROWS_WITH(st::write({{"x", {2}, v.data()}}), "x[1] is NaN; only finite values are written");
    CHECK_THROWS_WITH(st::write({{"x", {1}, &one}, {"x", {1}, &one}}), Catch::Contains("\"x\" appears twice"));
    CHECK_THROWS_WITH(st::write({{"__metadata__", {1}, &one}}), Catch::Contains("cannot be called __metadata__"));
    CHECK_THROWS_WITH(st::write({{"", {1}, &one}}), Catch::Contains("empty name"));
    CHECK_THROWS_WITH(st::write({}, {{"k", "1"}, {"k", "2"}}), Catch::Contains("\"k\" appears twice"));
}

TEST_CASE("safetensors: problems name the tensor or the file as a whole", "[safetensors][errors]") {
    const float x[2] = {1.0f, 2.0f};
    const std::string good = st::write({{"a", {2}, x}});
    json h = header_of(good);
    h["a"]["shape"] = {3};
    try {
        st::parse(with_header(h, data_of(good)));
        FAIL("no error");
    } catch (const st::FormatError& e) {
        CHECK(e.about_tensor());
        CHECK(e.field() == "a");
        CHECK(e.problem() == "has 8 bytes (data_offsets [0, 8]), but shape [3] of F32 needs 12 (3 × 4 bytes)");
    }
    try {
        st::parse(good + "x");
        FAIL("no error");
    } catch (const st::FormatError& e) {
        CHECK_FALSE(e.about_tensor());
        CHECK_THAT(e.problem(), Catch::StartsWith("bytes 8..9 of the data buffer belong to no tensor"));
    }
}
