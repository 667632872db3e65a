// export.cpp: numbers, CSV and the PNG heatmap (rules and limits in export.hpp).
//
// [SECTION] Numbers and CSV
// [SECTION] Heatmap layout and colour range
// [SECTION] PNG
#include "export.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <stb/stb_image_write.h>

namespace attn::ui {

// =====================================================================================
// [SECTION] Numbers and CSV
// =====================================================================================

namespace {

// A positive decimal d1.d2…dn × 10^exp.
struct Decimal {
    std::string digits;
    int exp = 0;
};

std::string scientific(const Decimal& d) {
    std::string s = d.digits.substr(0, 1);
    if (d.digits.size() > 1) s += "." + d.digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", d.exp < 0 ? '-' : '+', std::abs(d.exp));  // as printf's %e: e-05, e+38
    return s + e;
}

// d in fixed notation, for x = d read back. Without a fraction every text has d.exp + 1
// digits, so the closest to x is chosen: x rounded to an integer (itself from 2^23 up).
std::string fixed(const Decimal& d, float x) {
    const int n = static_cast<int>(d.digits.size());
    if (d.exp >= n - 1) {
        char buf[64];  // FLT_MAX has 39 digits
        std::snprintf(buf, sizeof buf, "%.0f", static_cast<double>(x));
        return buf;
    }
    if (d.exp >= 0) return d.digits.substr(0, d.exp + 1) + "." + d.digits.substr(d.exp + 1);
    return "0." + std::string(static_cast<std::size_t>(-d.exp - 1), '0') + d.digits;
}

bool reads_back(const Decimal& d, float x) { return std::strtof(scientific(d).c_str(), nullptr) == x; }

// The n-digit decimal next to d, one unit of its last digit up or down (the unit shrinks
// tenfold below a power of ten: the one below 1.00 is 9.99 × 10^-1).
Decimal next_to(const Decimal& d, int direction) {
    const std::size_t n = d.digits.size();
    std::uint64_t v = std::strtoull(d.digits.c_str(), nullptr, 10), ten_n = 1;
    for (std::size_t i = 0; i < n; ++i) ten_n *= 10;
    if (direction > 0 && v + 1 == ten_n) return {"1" + std::string(n - 1, '0'), d.exp + 1};
    if (direction < 0 && v == ten_n / 10) return {std::string(n, '9'), d.exp - 1};
    std::string digits = std::to_string(direction > 0 ? v + 1 : v - 1);
    return {std::string(n - digits.size(), '0') + digits, d.exp};
}

// x > 0, finite: the fewest significant digits that read back as x, and of those the decimal
// closest to x (std::to_chars's choice). printf's %.*e gives the closest n-digit decimal; when
// it falls outside x's rounding interval (lopsided at powers of two), the one on the other side
// of x may still be inside.
Decimal shortest_decimal(float x) {
    for (int n = 1;; ++n) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%.*e", n - 1, static_cast<double>(x));
        const char* e = std::strchr(buf, 'e');
        Decimal c{std::string(buf, static_cast<std::size_t>(e - buf)), std::atoi(e + 1)};
        c.digits.erase(std::remove(c.digits.begin(), c.digits.end(), '.'), c.digits.end());
        if (n == 9 || reads_back(c, x)) return c;  // 9 digits always read back as a float
        const bool above = std::strtod(scientific(c).c_str(), nullptr) > static_cast<double>(x);
        const Decimal other = next_to(c, above ? -1 : 1);
        if (reads_back(other, x)) return other;
    }
}

}  // namespace

std::string format_number_portable(float x) {
    const std::string sign = std::signbit(x) ? "-" : "";
    if (std::isnan(x)) return sign + "nan";
    if (std::isinf(x)) return sign + "inf";
    if (x == 0.0f) return sign + "0";
    const float a = std::fabs(x);
    const Decimal d = shortest_decimal(a);
    // As std::to_chars: fixed or scientific, whichever is shorter; fixed on a tie.
    const std::string f = fixed(d, a), s = scientific(d);
    return sign + (s.size() < f.size() ? s : f);
}

std::string format_number(float x) {
#if defined(__cpp_lib_to_chars)
    char buf[32];                                              // the longest float, "-1.17549435e-38", takes 15
    const auto res = std::to_chars(buf, buf + sizeof buf, x);  // shortest round-trip form
    return std::string(buf, res.ptr);
#else
    return format_number_portable(x);
#endif
}

std::string matrix_csv(ConstMatrixView m) {
    std::string out;
    for (std::size_t i = 0; i < m.rows; ++i) {
        for (std::size_t j = 0; j < m.cols; ++j) {
            if (j) out += ',';
            out += format_number(m(i, j));
        }
        out += '\n';
    }
    return out;
}

std::string heads_csv(const std::vector<ConstMatrixView>& heads) {
    std::string out = "head,row,col,value\n";
    for (std::size_t h = 0; h < heads.size(); ++h)
        for (std::size_t i = 0; i < heads[h].rows; ++i)
            for (std::size_t j = 0; j < heads[h].cols; ++j)
                out += std::to_string(h) + ',' + std::to_string(i) + ',' + std::to_string(j) + ',' +
                       format_number(heads[h](i, j)) + '\n';
    return out;
}

// =====================================================================================
// [SECTION] Heatmap layout and colour range
// =====================================================================================

namespace {
// The sizing rule's constants (export.hpp states the rule).
constexpr std::size_t kMinImageWidth = 256;     // small matrices are scaled up to stay visible...
constexpr std::size_t kMinPanelWidth = 128;     // ...each head too, when several share the width
constexpr std::size_t kMaxCell = 64;            // but a 2×2 matrix need not fill a screen
constexpr std::size_t kMaxScaledHeight = 2048;  // and long sequences are not scaled past this
constexpr unsigned char kGapWhite = 255;        // between panels: distinct from every colormap's colours

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

template <class F>
void for_each_value(const std::vector<ConstMatrixView>& panels, F f) {
    for (const ConstMatrixView& m : panels)
        for (std::size_t i = 0; i < m.rows; ++i)
            for (std::size_t j = 0; j < m.cols; ++j) f(m(i, j));
}
}  // namespace

HeatmapLayout heatmap_layout(std::size_t panels, std::size_t rows, std::size_t cols) {
    HeatmapLayout l;
    const std::size_t cells_across = std::max<std::size_t>(1, panels * cols);
    const std::size_t panel_cols = std::max<std::size_t>(1, cols);
    l.cell = std::max(ceil_div(kMinImageWidth, cells_across), ceil_div(kMinPanelWidth, panel_cols));
    l.cell = std::min(l.cell, kMaxCell);
    l.cell = std::min(l.cell, kMaxScaledHeight / std::max<std::size_t>(1, rows));
    l.cell = std::max<std::size_t>(l.cell, 1);
    l.gap = panels > 1 ? std::max<std::size_t>(2, l.cell / 4) : 0;
    l.width = panels * cols * l.cell + (panels > 0 ? panels - 1 : 0) * l.gap;
    l.height = rows * l.cell;
    return l;
}

ValueRange finite_range(const std::vector<ConstMatrixView>& panels) {
    ValueRange r{INFINITY, -INFINITY};
    for_each_value(panels, [&](float v) {
        if (!std::isfinite(v)) return;
        r.lo = std::min(r.lo, v);
        r.hi = std::max(r.hi, v);
    });
    return r;  // none finite: hi < lo, so every cell gets the middle colour
}

ValueRange range_from_zero(const std::vector<ConstMatrixView>& panels) {
    ValueRange r{0.0f, 0.0f};
    for_each_value(panels, [&](float v) { r.hi = std::max(r.hi, v); });
    if (!(r.hi > 0.0f)) r.hi = 1.0f;  // all zeros (every row fully masked): all the first colour
    return r;
}

// =====================================================================================
// [SECTION] PNG
// =====================================================================================

namespace {
void append_bytes(void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}
}  // namespace

std::string heatmap_png(const std::vector<ConstMatrixView>& panels, Colormap colormap, ValueRange range) {
    const std::size_t n = panels.size();
    const std::size_t rows = n ? panels[0].rows : 0, cols = n ? panels[0].cols : 0;
    for (std::size_t p = 1; p < n; ++p)
        if (panels[p].rows != rows || panels[p].cols != cols)
            throw ExportError("panel " + std::to_string(p) + " is " + shape_string(panels[p].rows, panels[p].cols) +
                              ", panel 0 is " + shape_string(rows, cols) + "; panels side by side need one shape");
    const HeatmapLayout l = heatmap_layout(n, rows, cols);
    if (l.width == 0 || l.height == 0) throw ExportError("there is nothing to draw (the matrix is empty)");
    if (l.width > kMaxHeatmapPixels / l.height)
        throw ExportError("the image would be " + shape_string(l.width, l.height) +
                          " pixels, more than the limit of 2^26 pixels");

    const std::size_t stride = l.width * 3;
    std::vector<unsigned char> pixels(stride * l.height, kGapWhite);
    const float span = range.hi - range.lo;
    for (std::size_t p = 0; p < n; ++p) {
        const std::size_t x0 = p * (cols * l.cell + l.gap);
        for (std::size_t i = 0; i < rows; ++i) {
            unsigned char* line = pixels.data() + i * l.cell * stride;
            for (std::size_t j = 0; j < cols; ++j) {
                const float t = range.hi > range.lo ? (panels[p](i, j) - range.lo) / span : 0.5f;
                const auto rgba = colormap_color(colormap, t);
                unsigned char* px = line + (x0 + j * l.cell) * 3;
                for (std::size_t k = 0; k < l.cell; ++k, px += 3) std::memcpy(px, rgba.data(), 3);
            }
            for (std::size_t k = 1; k < l.cell; ++k)  // the cell's other pixel rows repeat the first
                std::memcpy(line + k * stride + x0 * 3, line + x0 * 3, cols * l.cell * 3);
        }
    }
    // stb's flip flag is process-wide (the desktop shell sets it for GL screenshots); ours are
    // top row first.
    stbi_flip_vertically_on_write(0);
    std::string png;
    if (!stbi_write_png_to_func(append_bytes, &png, static_cast<int>(l.width), static_cast<int>(l.height), 3,
                                pixels.data(), static_cast<int>(stride)))
        throw std::bad_alloc();  // stb fails only when an allocation does
    return png;
}

}  // namespace attn::ui
