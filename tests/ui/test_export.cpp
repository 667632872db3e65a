// Tests of the export module (ui/logic/export.hpp), shared by the app and the CLI: numbers
// read back bit-exactly, CSV shapes, the heatmap sizing rule, and PNGs that decode (stb_image,
// compiled into attn_ui_logic) to exactly the colormap's colours at the expected pixel size.
// Runs natively and compiled to wasm.
#include <catch2/catch.hpp>
#include <stb/stb_image.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "export.hpp"

using namespace attn;
using namespace attn::ui;

namespace {

std::uint32_t bits_of(float x) {
    std::uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

float float_of_bits(std::uint32_t b) {
    float x;
    std::memcpy(&x, &b, sizeof x);
    return x;
}

// The text read back as a float; fails the test unless all of it is one number.
float read_back(const std::string& text) {
    char* end = nullptr;
    const float x = std::strtof(text.c_str(), &end);
    INFO("text '" << text << "'");
    REQUIRE(end == text.c_str() + text.size());
    return x;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts(1);
    for (char c : s) {
        if (c == sep)
            parts.emplace_back();
        else
            parts.back() += c;
    }
    return parts;
}

// Floats of every kind: edge values, then random bit patterns (finite ones only).
std::vector<float> assorted_floats(std::size_t random_count) {
    constexpr float kMax = std::numeric_limits<float>::max();
    std::vector<float> v = {0.0f,
                            -0.0f,
                            1.0f,
                            -1.0f,
                            0.1f,
                            1.0f / 3.0f,
                            2.0f / 3.0f,
                            1e-5f,
                            3.0f,
                            123456789.0f,
                            16777217.0f,
                            std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            kMax,
                            -kMax,
                            std::nextafter(1.0f, 2.0f),
                            std::nextafter(1.0f, 0.0f),
                            0.3f,
                            2.5e-39f};
    std::mt19937 rng(1234);
    while (v.size() < random_count) {
        const float x = float_of_bits(static_cast<std::uint32_t>(rng()));
        if (std::isfinite(x)) v.push_back(x);
    }
    return v;
}

struct Decoded {
    int width = 0, height = 0;
    std::vector<unsigned char> rgb;
    const unsigned char* at(std::size_t x, std::size_t y) const { return rgb.data() + (y * width + x) * 3; }
};

Decoded decode_png(const std::string& png) {
    Decoded d;
    int channels = 0;
    unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                              static_cast<int>(png.size()), &d.width, &d.height, &channels, 3);
    REQUIRE(px != nullptr);
    d.rgb.assign(px, px + static_cast<std::size_t>(d.width) * d.height * 3);
    stbi_image_free(px);
    return d;
}

Matrix random_matrix(std::size_t rows, std::size_t cols, unsigned seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    Matrix m(rows, cols);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) m(i, j) = u(rng);
    return m;
}

// Every pixel of the decoded image is its cell's colour, or white in a gap between panels.
void check_pixels(const Decoded& d, const std::vector<ConstMatrixView>& panels, Colormap cmap, ValueRange range) {
    const std::size_t rows = panels[0].rows, cols = panels[0].cols;
    const HeatmapLayout l = heatmap_layout(panels.size(), rows, cols);
    REQUIRE(static_cast<std::size_t>(d.width) == l.width);
    REQUIRE(static_cast<std::size_t>(d.height) == l.height);
    const std::size_t panel_width = cols * l.cell;
    std::size_t wrong = 0;
    for (std::size_t y = 0; y < l.height; ++y)
        for (std::size_t x = 0; x < l.width; ++x) {
            const std::size_t p = x / (panel_width + l.gap), in_panel = x % (panel_width + l.gap);
            std::uint8_t want[3] = {255, 255, 255};
            if (in_panel < panel_width) {
                const float v = panels[p](y / l.cell, in_panel / l.cell);
                const float t = range.hi > range.lo ? (v - range.lo) / (range.hi - range.lo) : 0.5f;
                const auto c = colormap_color(cmap, t);
                std::memcpy(want, c.data(), 3);
            }
            if (std::memcmp(d.at(x, y), want, 3) != 0 && wrong++ == 0)
                FAIL_CHECK("pixel (" << x << ", " << y << ") is " << int(d.at(x, y)[0]) << "," << int(d.at(x, y)[1])
                                     << "," << int(d.at(x, y)[2]) << ", expected " << int(want[0]) << ","
                                     << int(want[1]) << "," << int(want[2]));
        }
    CHECK(wrong == 0);
}

}  // namespace

// =====================================================================================
// Numbers and CSV
// =====================================================================================

TEST_CASE("export: format_number is the shortest text that reads back as the same float", "[ui][export]") {
    CHECK(format_number(0.1f) == "0.1");
    CHECK(format_number(1e-5f) == "1e-05");
    CHECK(format_number(3.0f) == "3");
    CHECK(format_number(-0.0f) == "-0");
    CHECK(format_number(0.3f) == "0.3");  // "%.9g" wrote 0.300000012
    CHECK(format_number(16777216.0f) == "16777216");
    CHECK(format_number(NAN).find("nan") != std::string::npos);
    CHECK(format_number(INFINITY) == "inf");
    CHECK(format_number(-INFINITY) == "-inf");
    for (float x : assorted_floats(20000)) {
        const std::string s = format_number(x);
        CHECK(format_number_portable(x) == s);
        INFO("bits " << bits_of(x) << " text " << s);
        REQUIRE(bits_of(read_back(s)) == bits_of(x));
        // Shortest: dropping the last significant digit no longer reads back (for texts of two or more digits).
        const std::size_t e = s.find('e');
        std::string mantissa = s.substr(0, e == std::string::npos ? s.size() : e);
        std::size_t digits = 0;
        for (char c : mantissa) digits += c >= '0' && c <= '9';
        if (digits >= 2 && mantissa.back() != '0') {
            mantissa.pop_back();
            if (mantissa.back() == '.') mantissa.pop_back();
            const std::string shorter = mantissa + (e == std::string::npos ? "" : s.substr(e));
            CHECK(bits_of(std::strtof(shorter.c_str(), nullptr)) != bits_of(x));
        }
    }
}

TEST_CASE("export: format_number_portable writes std::to_chars's text without it", "[ui][export]") {
    // Every power of two (where the rounding interval is lopsided), the floats next to powers of
    // ten, specials, and random bit patterns of every exponent.
    std::vector<float> xs = assorted_floats(20000);
    for (int e = -149; e <= 127; ++e) xs.push_back(std::ldexp(1.0f, e));
    for (int e = -45; e <= 38; ++e) {
        const float p = std::pow(10.0f, static_cast<float>(e));
        for (float y = p, k = 0; k < 3; ++k, y = std::nextafter(y, 0.0f)) xs.push_back(y);
        for (float y = p, k = 0; k < 3; ++k, y = std::nextafter(y, INFINITY)) xs.push_back(y);
    }
    for (float x : {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f}) xs.push_back(x);
    std::size_t n = 0;
    for (float x : xs) {
        for (float v : {x, -x}) {
            const std::string s = format_number_portable(v);
#if defined(__cpp_lib_to_chars)
            char buf[32];
            const std::string want(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
            if (s != want && n++ < 5) FAIL_CHECK("bits " << bits_of(v) << ": '" << s << "', to_chars '" << want << "'");
#else
            // No std::to_chars here (wasm): the text reads back, and format_number is this function.
            if (std::isfinite(v) && bits_of(read_back(s)) != bits_of(v) && n++ < 5)
                FAIL_CHECK("bits " << bits_of(v) << ": '" << s << "'");
            REQUIRE(format_number(v) == s);
#endif
        }
    }
    CHECK(n == 0);
}

TEST_CASE("export: matrix_csv has a line per row, a value per column, and reads back bit-exactly", "[ui][export]") {
    const std::vector<float> values = assorted_floats(7 * 13);
    Matrix m(7, 13);
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = 0; j < 13; ++j) m(i, j) = values[i * 13 + j];
    const std::string csv = matrix_csv(m);
    REQUIRE(!csv.empty());
    CHECK(csv.back() == '\n');
    const std::vector<std::string> lines = split(csv.substr(0, csv.size() - 1), '\n');
    REQUIRE(lines.size() == 7);
    for (std::size_t i = 0; i < 7; ++i) {
        const std::vector<std::string> cells = split(lines[i], ',');
        REQUIRE(cells.size() == 13);
        for (std::size_t j = 0; j < 13; ++j) {
            CHECK(cells[j] == format_number(m(i, j)));
            CHECK(bits_of(read_back(cells[j])) == bits_of(m(i, j)));
        }
    }
    CHECK(matrix_csv(Matrix(0, 0)).empty());
}

TEST_CASE("export: heads_csv is the long format head,row,col,value, head by head, row by row", "[ui][export]") {
    const Matrix a = random_matrix(2, 3, 1, -1, 1), b = random_matrix(2, 3, 2, -1, 1);
    const std::string csv = heads_csv({a, b});
    const std::vector<std::string> lines = split(csv.substr(0, csv.size() - 1), '\n');
    REQUIRE(lines.size() == 1 + 2 * 2 * 3);
    CHECK(lines[0] == "head,row,col,value");
    std::size_t n = 1;
    for (std::size_t h = 0; h < 2; ++h)
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t j = 0; j < 3; ++j, ++n) {
                const float v = (h ? b : a)(i, j);
                CHECK(lines[n] ==
                      std::to_string(h) + "," + std::to_string(i) + "," + std::to_string(j) + "," + format_number(v));
                CHECK(bits_of(read_back(split(lines[n], ',')[3])) == bits_of(v));
            }
}

// =====================================================================================
// Heatmap sizing rule
// =====================================================================================

TEST_CASE("export: heatmap_layout follows the one sizing rule", "[ui][export][png]") {
    struct Case {
        std::size_t panels, rows, cols, cell, gap, width, height;
    };
    const Case cases[] = {
        {1, 6, 6, 43, 0, 258, 258},         // ⌈256 / 6⌉
        {1, 3, 5, 52, 0, 260, 156},         // ⌈256 / 5⌉
        {1, 2, 2, 64, 0, 128, 128},         // capped at 64 px: narrower than 256
        {1, 600, 3, 3, 0, 9, 1800},         // ⌊2048 / 600⌋ keeps the height ≤ 2048
        {1, 3000, 3000, 1, 0, 3000, 3000},  // more than 2048 rows: 1 px cells
        {2, 3, 4, 32, 8, 264, 96},          // ⌈256 / 8⌉ = ⌈128 / 4⌉ = 32; gap 32 / 4
        {8, 10, 10, 13, 3, 1061, 130},      // ⌈128 / 10⌉ beats ⌈256 / 80⌉; gap ⌊13 / 4⌋
        {3, 1, 1, 64, 16, 224, 64},         // ⌈128 / 1⌉ capped at 64
        {4, 2048, 64, 1, 2, 262, 2048},     // 1 px cells still get a 2 px gap
    };
    for (const Case& c : cases) {
        INFO(c.panels << " panels of " << c.rows << "×" << c.cols);
        const HeatmapLayout l = heatmap_layout(c.panels, c.rows, c.cols);
        CHECK(l.cell == c.cell);
        CHECK(l.gap == c.gap);
        CHECK(l.width == c.width);
        CHECK(l.height == c.height);
    }
    // One panel (the app's export), for every shape up to 300 × 300: the formula app.cpp states.
    for (std::size_t r = 1; r <= 300; r += 7)
        for (std::size_t c = 1; c <= 300; c += 3) {
            const HeatmapLayout l = heatmap_layout(1, r, c);
            const std::size_t want = std::max<std::size_t>(1, std::min({(256 + c - 1) / c, std::size_t{64}, 2048 / r}));
            INFO(r << "×" << c);
            REQUIRE(l.cell == want);
            REQUIRE(l.width == c * l.cell);
            REQUIRE(l.height == r * l.cell);
            if (c >= 4 && r * ((256 + c - 1) / c) <= 2048) REQUIRE(l.width >= 256);
        }
}

// =====================================================================================
// PNG heatmap
// =====================================================================================

TEST_CASE("export: a heatmap PNG decodes to exactly the colormap's colours at the rule's size", "[ui][export][png]") {
    SECTION("one panel, smallest to largest finite value, every colormap") {
        Matrix m = random_matrix(5, 7, 3, -2.0f, 3.0f);
        m(0, 0) = NAN;        // the first colour
        m(1, 1) = INFINITY;   // clamped to the last
        m(2, 2) = -INFINITY;  // clamped to the first
        const std::vector<ConstMatrixView> panels = {m};
        const ValueRange range = finite_range(panels);
        CHECK(range.lo >= -2.0f);
        CHECK(range.hi <= 3.0f);
        CHECK(range.hi > range.lo);
        for (Colormap c : {Colormap::viridis, Colormap::magma, Colormap::cividis, Colormap::grey}) {
            INFO(kColormapNames[static_cast<int>(c)]);
            check_pixels(decode_png(heatmap_png(panels, c, range)), panels, c, range);
        }
    }
    SECTION("heads side by side with white gaps, 0 to the largest weight (the CLI's --png)") {
        const Matrix a = random_matrix(4, 6, 4, 0, 1), b = random_matrix(4, 6, 5, 0, 0.5f), z(4, 6, 0.0f);
        const std::vector<ConstMatrixView> panels = {a, b, z};
        const ValueRange range = range_from_zero(panels);
        CHECK(range.lo == 0.0f);
        CHECK(range.hi > 0.9f);
        const Decoded d = decode_png(heatmap_png(panels, Colormap::viridis, range));
        check_pixels(d, panels, Colormap::viridis, range);
        // The first and last colours really appear: the zero head is viridis(0) = #440154.
        const HeatmapLayout l = heatmap_layout(3, 4, 6);
        const unsigned char* zero = d.at(2 * (6 * l.cell + l.gap), 0);
        CHECK((zero[0] == 0x44 && zero[1] == 0x01 && zero[2] == 0x54));
    }
    SECTION("all zeros: 0 to 1, the first colour; a constant matrix under finite_range: the middle colour") {
        const Matrix z(3, 3, 0.0f), k(2, 9, 7.5f);
        const ValueRange from_zero = range_from_zero({z});
        CHECK((from_zero.lo == 0.0f && from_zero.hi == 1.0f));
        check_pixels(decode_png(heatmap_png({z}, Colormap::magma, from_zero)), {z}, Colormap::magma, from_zero);
        const ValueRange flat = finite_range({k});
        CHECK(flat.lo == flat.hi);
        const Decoded d = decode_png(heatmap_png({k}, Colormap::viridis, flat));
        check_pixels(d, {k}, Colormap::viridis, flat);
        const auto mid = colormap_color(Colormap::viridis, 0.5f);
        CHECK(std::memcmp(d.at(0, 0), mid.data(), 3) == 0);
    }
    SECTION("a tall matrix: 1 px cells") {
        const Matrix m = random_matrix(2100, 3, 6, -1, 1);
        const std::vector<ConstMatrixView> panels = {m};
        const Decoded d = decode_png(heatmap_png(panels, Colormap::cividis, finite_range(panels)));
        CHECK(d.width == 3);
        CHECK(d.height == 2100);
        check_pixels(d, panels, Colormap::cividis, finite_range(panels));
    }
}

TEST_CASE("export: colormap_color interpolates the anchors at t itself, and the GPU table samples it",
          "[ui][export][colormap]") {
    // Anchors at t = k / 8 exactly; halfway between the first two viridis anchors #440154 and #472d7b.
    const auto a = colormap_color(Colormap::viridis, 0.0f), b = colormap_color(Colormap::viridis, 0.125f);
    CHECK((a[0] == 0x44 && a[1] == 0x01 && a[2] == 0x54 && a[3] == 255));
    CHECK((b[0] == 0x47 && b[1] == 0x2d && b[2] == 0x7b));
    const auto h = colormap_color(Colormap::viridis, 0.0625f);
    CHECK(h[0] == 70);   // round(68 + 1.5)
    CHECK(h[1] == 23);   // round(1 + 22)
    CHECK(h[2] == 104);  // round(84 + 19.5)
    // Not the nearest of 256 table entries: at t = 0.03 that entry (8 / 255) has blue 94.
    CHECK(colormap_color(Colormap::viridis, 0.03f)[2] == 93);  // round(84 + 39 · 0.24)
    for (Colormap c : {Colormap::viridis, Colormap::magma, Colormap::cividis, Colormap::grey}) {
        const auto& table = colormap_table(c);
        for (int i = 0; i < 256; ++i) {
            const auto rgba = colormap_color(c, static_cast<float>(i) / 255.0f);
            for (int k = 0; k < 4; ++k) REQUIRE(table[i * 4 + k] == rgba[k]);
        }
    }
}

TEST_CASE("export: heatmaps that cannot be drawn are refused with the reason", "[ui][export][png][errors]") {
    CHECK_THROWS_AS(heatmap_png({}, Colormap::viridis, {}), ExportError);
    CHECK_THROWS_WITH(heatmap_png({Matrix(0, 3)}, Colormap::viridis, {}), Catch::Contains("nothing to draw"));
    const Matrix a(2, 3, 0.5f), b(3, 2, 0.5f);
    CHECK_THROWS_WITH(heatmap_png({a, b}, Colormap::viridis, {}),
                      "panel 1 is 3×2, panel 0 is 2×3; panels side by side need one shape");
    // 8193 × 8192 cells at 1 px: past 2^26 pixels. One real row, repeated by a zero stride, so
    // the test needs 32 KiB (the limit is checked before any pixel is made).
    std::vector<float> row(8192, 0.25f);
    const ConstMatrixView huge{row.data(), 8193, 8192, 0};
    CHECK(heatmap_layout(1, 8193, 8192).cell == 1);
    CHECK_THROWS_WITH(heatmap_png({huge}, Colormap::viridis, {}),
                      "the image would be 8192×8193 pixels, more than the limit of 2^26 pixels");
}
