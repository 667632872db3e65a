// export.hpp: what attnlab writes out of a computation, for the app's PNG/CSV export and the
// CLI's --png/--csv alike: numbers as text, matrices as CSV, matrices as a PNG heatmap.
// One number format, one sizing rule and one colormap table (colormap.hpp), so a picture or a
// table looks the same whichever program made it.
//
// Does not: touch files (callers save the bytes), know lessons or spec fields, draw on the GPU.
// Built as its own small library (attn_export: this, colormap.cpp and stb_image_write) so the
// CLI links it without the rest of ui/logic.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "colormap.hpp"

namespace attn::ui {

// ---- Numbers and CSV ----

// The shortest decimal that reads back as the same float (std::to_chars): "0.1", "1e-05", "3",
// "-0", "nan", "inf", "-inf". Every number attnlab writes as text uses it, so the CLI's JSON
// and CSV and the app's CSV hold identical text for identical floats.
std::string format_number(float x);
// The same text made with snprintf and strtof, for standard libraries without a float
// std::to_chars (Emscripten 3.1's libc++): format_number uses it there, and the tests check it
// against std::to_chars where both exist.
std::string format_number_portable(float x);

// m: (R, C) as R lines of C comma-separated numbers, each line ending in '\n'; no header.
std::string matrix_csv(ConstMatrixView m);

// Several matrices of one shape (attention heads) in long format: the header
// "head,row,col,value", then one line per value, head by head, row by row.
std::string heads_csv(const std::vector<ConstMatrixView>& heads);

// ---- PNG heatmap ----

// The sizing rule, one for every heatmap PNG. Panels (heads) of rows × cols cells stand side by
// side; each cell is a square of `cell` pixels, where cell is
//   the smallest size that makes the image at least 256 px wide and every panel at least 128 px
//   wide, then at most 64 px, then at most 2048 / rows (so up to 2048 rows stay at most 2048 px
//   high), and at least 1 px.
// Several panels are separated by a white gap of max(2, cell / 4) px; one panel has no gap.
// E.g. 6×6: 43 px cells, 258×258 px; 3×5: 52 px cells, 260×156; 600×3: 3 px cells, 9×1800;
// 3000×3000: 1 px cells, 3000×3000.
struct HeatmapLayout {
    std::size_t cell = 1, gap = 0, width = 0, height = 0;
};
HeatmapLayout heatmap_layout(std::size_t panels, std::size_t rows, std::size_t cols);

// The largest heatmap encoded: 2^26 pixels (192 MiB of RGB), one largest matrix at 1 px per cell.
inline constexpr std::size_t kMaxHeatmapPixels = std::size_t{1} << 26;

// The colour scale: a value v gets colormap((v − lo) / (hi − lo)), clamped to the ends (NaN
// gets the first colour); every value gets the middle colour (t = 0.5) when hi ≤ lo.
struct ValueRange {
    float lo = 0.0f, hi = 1.0f;
};
// Smallest to largest finite value (the app: scores may be negative).
ValueRange finite_range(const std::vector<ConstMatrixView>& panels);
// 0 to the largest value, or 0 to 1 when no value is above 0 (attention weights: 0 is dark).
ValueRange range_from_zero(const std::vector<ConstMatrixView>& panels);

// The input cannot be drawn: no cells, panels of different shapes, or more than
// kMaxHeatmapPixels. The message says which, with the sizes.
class ExportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// PNG bytes (8-bit RGB, top row first) of the panels laid out by heatmap_layout, each cell in
// colormap_color(colormap, t) of its value on `range`, white in the gaps. Throws ExportError as
// above, std::bad_alloc when the encoder runs out of memory.
std::string heatmap_png(const std::vector<ConstMatrixView>& panels, Colormap colormap, ValueRange range);

}  // namespace attn::ui
