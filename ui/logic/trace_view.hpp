// trace_view.hpp: what a matrix looks like "as of step k" of a trace.
//
// For one named matrix, records the first step that writes each cell: a step whose writes or
// focus name the matrix reveals its focus (cell, row, column or tile), or the whole matrix when
// it has no focus. Cells no step writes are inputs, visible from step 0. The heatmap then shows
// cells revealed up to the current step and draws the rest as "not computed yet", which is how
// the alignment matrix fills in as the decoder steps. Pure logic: unit tested without GL.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attn/trace.hpp"

namespace attn::ui {

class RevealMap {
public:
    static constexpr std::size_t kAlways = 0;

    void build(const Trace& trace, const std::string& matrix, std::size_t rows, std::size_t cols);
    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    // Step index from which cell (i, j) shows its value.
    std::size_t at(std::size_t i, std::size_t j) const { return reveal_.empty() ? kAlways : reveal_[i * cols_ + j]; }
    bool shown(std::size_t i, std::size_t j, std::size_t step) const { return at(i, j) <= step; }
    // True when no cell is hidden at this step (lets the heatmap skip per-cell work).
    bool all_shown(std::size_t step) const { return step >= last_; }

private:
    std::size_t rows_ = 0, cols_ = 0, last_ = 0;
    std::vector<std::size_t> reveal_;
};

}  // namespace attn::ui
