// mask_painter.cpp
#include "mask_painter.hpp"

#include <algorithm>
#include <cstdlib>

namespace attn::ui {

HeatmapHover MaskPainter::draw(const char* id, std::size_t n,
                               const std::function<bool(std::size_t, std::size_t)>& allows, Colormap colormap,
                               ImVec2 size, HeatmapOptions opt) {
    if (stale_ || map_.rows() != n) {
        values_.resize(n, n);
        state_.assign(n * n, CellState::shown);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                const bool ok = allows(i, j);
                values_(i, j) = ok ? 1.0f : 0.0f;
                if (!ok) state_[i * n + j] = CellState::masked;
            }
        map_.set(values_, state_, 0.0f, 1.0f);
        stale_ = false;
    }
    map_.set_colormap(colormap);
    opt.show_values = false;
    hover_ = map_.draw(id, size, opt);
    activated_ = ImGui::IsItemActivated();
    active_ = ImGui::IsItemActive();
    return hover_;
}

MaskPainter::Paint MaskPainter::paint(std::vector<std::uint8_t>& cells, std::size_t n) {
    Paint out;
    // The first cell decides whether the stroke allows or masks.
    if (stroke_starts() && hover_.row < n && hover_.col < n) {
        value_ = cells[hover_.row * n + hover_.col] ? 0 : 1;
        painting_ = true;
        last_row_ = last_col_ = ~std::size_t{0};
    }
    if (painting_ && active_ && hover_.active && hover_.row < n && hover_.col < n &&
        (hover_.row != last_row_ || hover_.col != last_col_)) {
        paint_line(cells, n, hover_.row, hover_.col);
        last_row_ = hover_.row;
        last_col_ = hover_.col;
        stale_ = true;
        out.painted = true;
    }
    if (painting_ && !active_) {
        painting_ = false;
        out.released = true;
    }
    return out;
}

// Sets every cell from the previous drag position to (r, c).
void MaskPainter::paint_line(std::vector<std::uint8_t>& cells, std::size_t n, std::size_t r, std::size_t c) const {
    if (last_row_ >= n || last_col_ >= n) {
        cells[r * n + c] = value_;
        return;
    }
    const long r0 = static_cast<long>(last_row_), c0 = static_cast<long>(last_col_);
    const long dr = static_cast<long>(r) - r0, dc = static_cast<long>(c) - c0;
    const long steps = std::max(std::labs(dr), std::labs(dc));
    for (long s = 0; s <= steps; ++s) {
        const long rr = r0 + (steps ? dr * s / steps : 0), cc = c0 + (steps ? dc * s / steps : 0);
        cells[static_cast<std::size_t>(rr) * n + static_cast<std::size_t>(cc)] = value_;
    }
}

}  // namespace attn::ui
