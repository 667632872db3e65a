// The lessons' domain code that lives in ui/logic: attention cost counts and their text, token
// and sentence handling, and the convolutional lesson's pictures, filters and hand-set weights.
// Expected values are closed forms or exact strings. Runs natively and compiled to wasm.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "attn/conv_attention.hpp"
#include "conv_example.hpp"
#include "cost.hpp"
#include "tokens.hpp"

using namespace attn::ui;
using attn::ChannelMLP;
using attn::FeatureMap;
using attn::Matrix;
using attn::SpatialConv;

TEST_CASE("bytes text: binary units, one decimal below 100, the unit changes before 1024", "[ui][cost]") {
    CHECK(bytes_text(0) == "0 B");
    CHECK(bytes_text(192) == "192 B");
    CHECK(bytes_text(1023) == "1023 B");
    CHECK(bytes_text(1024) == "1.0 KiB");
    CHECK(bytes_text(1536) == "1.5 KiB");
    CHECK(bytes_text(17472) == "17.1 KiB");
    CHECK(bytes_text(132160) == "129 KiB");  // 129.06 KiB: no decimal from 100 on
    CHECK(bytes_text(1.5 * 1024 * 1024) == "1.5 MiB");
    CHECK(bytes_text(16.0 * 1024 * 1024) == "16.0 MiB");
    CHECK(bytes_text(1023.7 * 1024) == "1.0 MiB");  // not "1024 KiB"
    CHECK(bytes_text(2.0 * 1024 * 1024 * 1024) == "2.0 GiB");
    CHECK(bytes_text(NAN) == "?");
}

TEST_CASE("count text: three significant digits with k, M, G", "[ui][cost]") {
    CHECK(count_text(0) == "0");
    CHECK(count_text(512) == "512");
    CHECK(count_text(999) == "999");
    CHECK(count_text(1000) == "1 k");
    CHECK(count_text(1536) == "1.54 k");
    CHECK(count_text(1234567) == "1.23 M");
    CHECK(count_text(4.2e6) == "4.2 M");
    CHECK(count_text(999999) == "1 M");  // not "1e+03 k"
    CHECK(count_text(3e9) == "3 G");
    CHECK(count_text(INFINITY) == "?");
}

TEST_CASE("attention cost: the closed forms at n = 8, d = 8 and n = 2048, d = 64", "[ui][cost]") {
    const AttentionCost c = attention_cost(8, 8, 64, 512);
    CHECK(c.projections == 3 * 8 * 64);  // 3·n·d²
    CHECK(c.scores == 512);              // n²·d
    CHECK(c.output == 512);
    CHECK(c.total == 1536 + 1024);
    CHECK(c.exponentials == 64);
    CHECK(c.matrix_bytes == 256);                      // 4·n²
    CHECK(c.io_bytes == 1024);                         // 16·n·d
    CHECK(c.plain_bytes == 1024 + 512);                // + 8·n²
    CHECK(c.tiled_bytes == 1024 + 64 + 4 * 64 * 512);  // + 8·n + 4·tile
    const AttentionCost big = attention_cost(2048, 64, 64, 512);
    CHECK(bytes_text(big.matrix_bytes) == "16.0 MiB");
    CHECK(big.plain_bytes - big.io_bytes == 2 * big.matrix_bytes);
    CHECK(count_text(big.total) == "562 M");  // 3·2048·64² + 2·2048²·64 = 562 036 736
    CHECK(tiled_extra_bytes(16, 4, 4) == 4 * (32 + 16));
    CHECK(bytes_text(tiled_extra_bytes(16, 4, 4)) == "192 B");
}

TEST_CASE("sentences: words split at white space only, punctuation stays with its word", "[ui][tokens]") {
    CHECK(split_words("the cat sat") == std::vector<std::string>{"the", "cat", "sat"});
    CHECK(split_words("  the\tcat,\n\nit was tired.  ") ==
          std::vector<std::string>{"the", "cat,", "it", "was", "tired."});
    CHECK(split_words("it was tired .") == std::vector<std::string>{"it", "was", "tired", "."});
    CHECK(split_words(" \t\r\n").empty());
    CHECK(split_words("élan vital") == std::vector<std::string>{"élan", "vital"});
    CHECK(join_words({"the", "cat,", "sat"}) == "the cat, sat");
    CHECK(join_words(split_words("  a   b ")) == "a b");
    CHECK(join_words({}).empty());
}

TEST_CASE("sentences: bad tokens are refused with the first problem named, the old tokens kept", "[ui][tokens]") {
    std::vector<std::string> t = {"keep"};
    CHECK(parse_sentence("le chat", t).empty());
    CHECK(t == std::vector<std::string>{"le", "chat"});
    CHECK(parse_sentence("   ", t) == "tokens is empty: give at least 1 token");
    CHECK(parse_sentence("ok " + std::string(33, 'x'), t) == "tokens[1] is 33 bytes long, at most 32");
    CHECK(parse_sentence("ok " + std::string(32, 'x'), t).empty());  // the limit itself is allowed
    CHECK(t[1].size() == 32);
    t = {"keep"};
    CHECK(parse_sentence("a b\x01", t) == "tokens[1] contains a control character (byte 1)");
    CHECK(parse_sentence("a\x7f", t) == "tokens[0] contains a control character (byte 1)");
    CHECK(parse_sentence("ab \xc3\x28", t) == "tokens[1] is not valid UTF-8 (byte 1)");
    std::string many;
    for (int i = 0; i < 65; ++i) many += "w ";
    CHECK(parse_sentence(many, t) == "tokens has 65 entries, at most 64");
    CHECK(t == std::vector<std::string>{"keep"});
}

TEST_CASE("UTF-8: the first bad byte is found, overlong forms and surrogates included", "[ui][tokens]") {
    CHECK(utf8_error_at("plain") == std::string::npos);
    CHECK(utf8_error_at("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\x88") == std::string::npos);  // é → 🐈
    CHECK(utf8_error_at("ab\xff") == 2);
    CHECK(utf8_error_at("a\xc3") == 1);             // cut short
    CHECK(utf8_error_at("a\xc3\x41") == 2);         // not a continuation byte
    CHECK(utf8_error_at("\xc0\xaf") == 0);          // overlong "/"
    CHECK(utf8_error_at("x\xed\xa0\x80") == 1);     // U+D800, a surrogate
    CHECK(utf8_error_at("\xf4\x90\x80\x80") == 0);  // U+110000
}

TEST_CASE("tokens from JSON: an array of strings, each checked", "[ui][tokens]") {
    std::vector<std::string> t = {"keep"};
    CHECK(tokens_from_json(nlohmann::json::array({"the", "cat"}), t).empty());
    CHECK(t == std::vector<std::string>{"the", "cat"});
    t = {"keep"};
    CHECK(tokens_from_json(nlohmann::json("the cat"), t) == "tokens must be an array of strings, got a string");
    CHECK(tokens_from_json(nlohmann::json::object(), t) == "tokens must be an array of strings, got an object");
    CHECK(tokens_from_json(nlohmann::json::array({"a", 3}), t) == "tokens[1] is a number, expected a string");
    CHECK(tokens_from_json(nlohmann::json::array({"a", nullptr}), t) == "tokens[1] is null, expected a string");
    CHECK(tokens_from_json(nlohmann::json::array({"a", ""}), t) == "tokens[1] is empty");
    CHECK(t == std::vector<std::string>{"keep"});
}

namespace {

RgbImage filled(std::size_t w, std::size_t h, float r, float g, float b) {
    RgbImage im(w, h);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            float* p = im.at(x, y);
            p[0] = r, p[1] = g, p[2] = b;
        }
    return im;
}

bool pixel_is(const RgbImage& im, std::size_t x, std::size_t y, float r, float g, float b) {
    const float* p = im.at(x, y);
    return std::fabs(p[0] - r) < 1e-6f && std::fabs(p[1] - g) < 1e-6f && std::fabs(p[2] - b) < 1e-6f;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

TEST_CASE("conv pictures: each built-in picture has its colours where the drawing puts them", "[ui][conv]") {
    const RgbImage checker = make_checker(16);  // squares of 2 px
    CHECK(pixel_is(checker, 0, 0, 0.9f, 0.9f, 0.9f));
    CHECK(pixel_is(checker, 2, 0, 0.1f, 0.1f, 0.1f));
    CHECK(pixel_is(checker, 2, 2, 0.9f, 0.9f, 0.9f));
    CHECK(pixel_is(checker, 15, 0, 0.1f, 0.1f, 0.1f));
    const RgbImage stripes = make_stripes(24);  // stripes of 2 px, green first
    CHECK(pixel_is(stripes, 1, 5, 0.2f, 0.8f, 0.3f));
    CHECK(pixel_is(stripes, 2, 5, 0.08f, 0.1f, 0.08f));
    CHECK(pixel_is(stripes, 23, 0, 0.08f, 0.1f, 0.08f));
    const RgbImage house = make_house(100);
    CHECK(pixel_is(house, 0, 0, 0.45f + 0.3f * 0.005f, 0.65f + 0.2f * 0.005f, 0.95f));  // sky
    CHECK(pixel_is(house, 0, 99, 0.25f, 0.55f, 0.2f));                                  // grass
    CHECK(pixel_is(house, 35, 55, 0.88f, 0.82f, 0.62f));                                // wall
    CHECK(pixel_is(house, 47, 65, 0.4f, 0.24f, 0.1f));                                  // door
    CHECK(pixel_is(house, 47, 34, 0.72f, 0.14f, 0.1f));                                 // roof
    CHECK(pixel_is(house, 82, 16, 1.0f, 0.9f, 0.25f));                                  // sun
    const RgbImage disc = make_disc(50, 1), same = make_disc(50, 1), other = make_disc(50, 2);
    CHECK(pixel_is(disc, 31, 21, 0.95f, 0.38f, 0.18f));  // the disc's centre
    const float* corner = disc.at(0, 49);
    CHECK(corner[0] == corner[1]);
    CHECK(corner[1] == corner[2]);
    CHECK(std::fabs(corner[0] - 0.38f) < 0.15f);  // grey 0.38 with noise of σ = 0.03
    CHECK(same.px == disc.px);
    CHECK(other.px != disc.px);
    CHECK(pixel_is(other, 31, 21, 0.95f, 0.38f, 0.18f));  // the seed moves the noise only
}

TEST_CASE("conv filter bank: colour and brightness of flat pictures", "[ui][conv]") {
    const FeatureMap grey = filter_bank(filled(16, 16, 0.5f, 0.5f, 0.5f));
    REQUIRE(grey.channels() == kConvChannels);
    for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x) {
            for (std::size_t c : {0, 1, 2, 5, 6, 7}) CHECK(grey.at(c, y, x) == 0.0f);
            CHECK(grey.at(3, y, x) == 0.5f);
            CHECK(grey.at(4, y, x) == Approx(0.0).margin(1e-6));  // no blob on a flat picture
        }
    const FeatureMap red = filter_bank(filled(8, 8, 1.0f, 0.0f, 0.0f));
    CHECK(red.at(0, 3, 3) == 1.0f);  // R − (G+B)/2
    CHECK(red.at(1, 3, 3) == 0.0f);  // ReLU(0 − 1/2)
    CHECK(red.at(2, 3, 3) == 0.0f);
    CHECK(red.at(3, 3, 3) == Approx(1.0 / 3.0));
    const FeatureMap yellow = filter_bank(filled(8, 8, 1.0f, 1.0f, 0.0f));
    CHECK(yellow.at(0, 0, 0) == 0.5f);
    CHECK(yellow.at(1, 0, 0) == 0.5f);
    CHECK(yellow.at(2, 0, 0) == 0.0f);
}

TEST_CASE("conv filter bank: a step edge answers in the edge and texture maps", "[ui][conv]") {
    // Black left half, white right half (x ≥ 4) of an 8×8 picture: a vertical edge.
    RgbImage step = filled(8, 8, 0.0f, 0.0f, 0.0f);
    for (std::size_t y = 0; y < 8; ++y)
        for (std::size_t x = 4; x < 8; ++x) {
            float* p = step.at(x, y);
            p[0] = p[1] = p[2] = 1.0f;
        }
    const FeatureMap f = filter_bank(step);
    // |Sobel_x| / 4 is 1 on the two columns beside the edge and 0 elsewhere; |Sobel_y| is 0.
    // texture = box3(|∇²I|) / 2: |∇²I| is 1 on columns 3 and 4, so 1/6, 1/3, 1/3, 1/6 on 2..5.
    const float vertical[8] = {0, 0, 0, 1, 1, 0, 0, 0};
    const float texture[8] = {0, 0, 1 / 6.0f, 1 / 3.0f, 1 / 3.0f, 1 / 6.0f, 0, 0};
    for (std::size_t y = 0; y < 8; ++y)
        for (std::size_t x = 0; x < 8; ++x) {
            INFO("x = " << x << ", y = " << y);
            CHECK(f.at(7, y, x) == vertical[x]);
            CHECK(f.at(6, y, x) == 0.0f);
            CHECK(f.at(5, y, x) == Approx(texture[x]).margin(1e-6));
        }
    // The same edge turned: the horizontal-edge map answers instead.
    RgbImage turned = filled(8, 8, 0.0f, 0.0f, 0.0f);
    for (std::size_t y = 4; y < 8; ++y)
        for (std::size_t x = 0; x < 8; ++x) {
            float* p = turned.at(x, y);
            p[0] = p[1] = p[2] = 1.0f;
        }
    const FeatureMap g = filter_bank(turned);
    for (std::size_t x = 0; x < 8; ++x) {
        CHECK(g.at(6, 3, x) == 1.0f);
        CHECK(g.at(6, 4, x) == 1.0f);
        CHECK(g.at(6, 2, x) == 0.0f);
        CHECK(g.at(7, 3, x) == 0.0f);
    }
}

TEST_CASE("conv filter bank: a bright dot is a blob, 2·(1/9 − 1/49) at its centre", "[ui][conv]") {
    // 16 px: a 3×3 centre box (radius max(1, 16/32)) and a 7×7 surround (radius max(3, 16/6)).
    RgbImage dot = filled(16, 16, 0.0f, 0.0f, 0.0f);
    float* p = dot.at(8, 8);
    p[0] = p[1] = p[2] = 1.0f;
    const FeatureMap f = filter_bank(dot);
    CHECK(f.at(4, 8, 8) == Approx(2.0 * (1.0 / 9.0 - 1.0 / 49.0)).epsilon(1e-5));
    CHECK(f.at(4, 0, 0) == 0.0f);
    CHECK(f.at(4, 8, 11) == 0.0f);  // outside the centre box, inside the surround: ReLU of a negative
}

TEST_CASE("conv weights: channel groups and the MLP's hand-set values", "[ui][conv]") {
    const std::size_t r2[] = {0, 0, 0, 1, 2, 3, 3, 3}, r4[] = {0, 0, 0, 1, 0, 1, 1, 1};
    for (std::size_t c = 0; c < kConvChannels; ++c) {
        CHECK(channel_group(c, 1) == c);
        CHECK(channel_group(c, 2) == r2[c]);
        CHECK(channel_group(c, 4) == r4[c]);
        CHECK(channel_group(c, 8) == 0);
    }
    const ChannelMLP m1 = channel_mlp(1);
    REQUIRE(m1.w1.rows() == 8);
    REQUIRE(m1.w1.cols() == 8);
    CHECK(m1.w1(0, 0) == Approx(1 / 0.08));        // own channel: 1/τ_c
    CHECK(m1.w1(0, 3) == Approx(-1 / (7 * 0.5)));  // another unit's channel: −1/((C/r − 1)·τ_c)
    CHECK(m1.w2(5, 5) == 4.0f);
    CHECK(m1.w2(5, 4) == 0.0f);
    CHECK(m1.b1 == std::vector<float>(8, 0.0f));
    CHECK(m1.b2[0] == -1.5f);
    CHECK(m1.b2[3] == -2.5f);  // brightness: a prior of −1
    const ChannelMLP m8 = channel_mlp(8);
    REQUIRE(m8.w1.rows() == 1);
    CHECK(m8.w1(0, 0) == Approx(1 / (8 * 0.08)));
    CHECK(m8.b1 == std::vector<float>{-1.0f});
    const ChannelMLP m2 = channel_mlp(2);
    CHECK(m2.w1(3, 7) == Approx(1 / 0.1));  // unit 3 watches the edges and texture
    CHECK(m2.w1(0, 7) == Approx(-1 / (3 * 0.1)));
    CHECK(m2.w2(7, 3) == 4.0f);
}

TEST_CASE("conv weights: squeeze-and-excitation on a red picture opens the red gate only", "[ui][conv]") {
    // z = (1, 0, 0, 1/3, 0, 0, 0, 0): n_red = 12.5 stands out, every other unit is negative.
    const attn::SEResult se = attn::squeeze_excitation(filter_bank(filled(8, 8, 1.0f, 0.0f, 0.0f)), channel_mlp(1));
    REQUIRE(se.weights.size() == 8);
    const float h0 = 12.5f - (1.0f / 3.0f / 0.5f) / 7.0f;
    CHECK(se.weights[0] == Approx(sigmoid(4 * h0 - 1.5f)));
    CHECK(se.weights[1] == Approx(sigmoid(-1.5f)));
    CHECK(se.weights[3] == Approx(sigmoid(-2.5f)));
    CHECK(se.weights[7] == Approx(sigmoid(-1.5f)));
}

TEST_CASE("conv weights: the spatial kernel is a Gaussian summing to 1.5 and 6", "[ui][conv]") {
    const SpatialConv k3 = spatial_kernel(3);
    REQUIRE(k3.weights.size() == 18);
    CHECK(k3.kernel_size == 3);
    CHECK(k3.bias == -2.5f);
    double avg = 0, max = 0;
    for (std::size_t t = 0; t < 9; ++t) avg += k3.weights[t], max += k3.weights[9 + t];
    CHECK(avg == Approx(1.5));
    CHECK(max == Approx(6.0));
    // σ = 3/4: the edge cells weigh e^(−1/(2σ²)), the corners e^(−2/(2σ²)), relative to the centre.
    const double edge = std::exp(-1 / 1.125), corner = std::exp(-2 / 1.125);
    CHECK(k3.weights[4] == Approx(1.5 / (1 + 4 * edge + 4 * corner)));
    CHECK(k3.weights[1] == Approx(k3.weights[4] * edge));
    CHECK(k3.weights[0] == Approx(k3.weights[4] * corner));
    CHECK(k3.weights[8] == k3.weights[0]);
    CHECK(k3.weights[9 + 4] == Approx(4 * k3.weights[4]));
    CHECK(spatial_kernel(7).weights.size() == 98);
}

TEST_CASE("conv pixels: RGBA8 of the picture, gated, and of a map through a colormap", "[ui][conv]") {
    RgbImage im(2, 1);
    float* a = im.at(0, 0);
    a[0] = 1.0f, a[1] = 0.0f, a[2] = 0.5f;
    float* b = im.at(1, 0);
    b[0] = 0.2f, b[1] = 0.4f, b[2] = 2.0f;  // above 1: clamped
    CHECK(rgba_of(im, nullptr) == std::vector<std::uint8_t>{255, 0, 128, 255, 51, 102, 255, 255});
    Matrix gate(1, 2);
    gate(0, 0) = 0.5f;
    gate(0, 1) = 0.0f;
    CHECK(rgba_of(im, &gate) == std::vector<std::uint8_t>{128, 0, 64, 255, 0, 0, 0, 255});
    Matrix m(1, 2);
    m(0, 0) = 0.0f;
    m(0, 1) = 1.0f;
    CHECK(overlay_of(m, Colormap::grey) == std::vector<std::uint8_t>{0, 0, 0, 255, 255, 255, 255, 255});
}
