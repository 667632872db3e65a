// mask_painter.hpp: an n×n attention mask drawn as a heatmap (1 = may attend, masked cells
// hatched) that the user paints on. Pressing on a cell starts a stroke whose value is the
// opposite of that cell's; dragging paints every cell on the line from the previous position
// to the current one, so a fast drag leaves no gaps.
//
// The mask stays the caller's (a vector of n·n bytes, 1 = may attend): the painter draws it,
// says when a stroke starts (so the caller can make its cells paintable first) and writes the
// strokes into it. The picture is rebuilt only when invalidated or when n changes.
//
//     const HeatmapHover hv = painter.draw("mask", n, allows, colormap, size, opt);
//     if (painter.stroke_starts()) make_cells_paintable();
//     const MaskPainter::Paint p = painter.paint(cells, n);
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "attn/matrix.hpp"
#include "colormap.hpp"
#include "widgets/heatmap.hpp"

namespace attn::ui {

class MaskPainter {
public:
    // The picture is rebuilt from allows() at the next draw.
    void invalidate() { stale_ = true; }

    // Draws the n×n mask in at most `size` pixels (opt: labels; cell values are never printed).
    // allows(i, j) is asked for every cell when the picture is rebuilt.
    HeatmapHover draw(const char* id, std::size_t n, const std::function<bool(std::size_t, std::size_t)>& allows,
                      Colormap colormap, ImVec2 size, HeatmapOptions opt);

    // After draw(): true on the frame the mouse is pressed on a cell.
    bool stroke_starts() const { return activated_ && hover_.active; }

    struct Paint {
        bool painted = false;   // cells changed this frame
        bool released = false;  // the stroke ended this frame
    };
    // After draw(): the current stroke written into cells (n·n, row-major, 1 = may attend).
    Paint paint(std::vector<std::uint8_t>& cells, std::size_t n);

private:
    void paint_line(std::vector<std::uint8_t>& cells, std::size_t n, std::size_t r, std::size_t c) const;

    Heatmap map_;
    // Kept across rebuilds: at n = 2048 they are 16 MiB and 4 MiB.
    Matrix values_;
    std::vector<CellState> state_;
    bool stale_ = true;
    // The last draw's item state.
    HeatmapHover hover_;
    bool activated_ = false, active_ = false;
    // The stroke.
    bool painting_ = false;
    std::uint8_t value_ = 0;
    std::size_t last_row_ = ~std::size_t{0}, last_col_ = ~std::size_t{0};
};

}  // namespace attn::ui
