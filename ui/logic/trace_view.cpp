// trace_view.cpp
#include "trace_view.hpp"

#include <algorithm>
#include <limits>

namespace attn::ui {

void RevealMap::build(const Trace& trace, const std::string& matrix, std::size_t rows, std::size_t cols) {
    rows_ = rows;
    cols_ = cols;
    last_ = 0;
    constexpr std::size_t unset = std::numeric_limits<std::size_t>::max();
    reveal_.assign(rows * cols, unset);
    bool any = false;
    auto mark = [&](std::size_t r0, std::size_t c0, std::size_t nr, std::size_t nc, std::size_t step) {
        const std::size_t r1 = std::min(rows, r0 + nr), c1 = std::min(cols, c0 + nc);
        for (std::size_t i = r0; i < r1; ++i)
            for (std::size_t j = c0; j < c1; ++j)
                if (reveal_[i * cols + j] == unset) {
                    reveal_[i * cols + j] = step;
                    last_ = std::max(last_, step);
                    any = true;
                }
    };
    for (const Step& s : trace.steps()) {
        const bool writes = std::find(s.writes.begin(), s.writes.end(), matrix) != s.writes.end();
        const bool focused = s.focus.kind != Focus::Kind::none && s.focus.matrix == matrix;
        if (!writes && !focused) continue;
        if (!focused) {
            if (s.focus.kind == Focus::Kind::none) mark(0, 0, rows, cols, s.id);
            continue;  // written, but the focus is on another matrix: reveal at the end
        }
        switch (s.focus.kind) {
            case Focus::Kind::cell: mark(s.focus.row, s.focus.col, 1, 1, s.id); break;
            case Focus::Kind::row: mark(s.focus.row, 0, 1, cols, s.id); break;
            case Focus::Kind::column: mark(0, s.focus.col, rows, 1, s.id); break;
            case Focus::Kind::tile: mark(s.focus.row, s.focus.col, s.focus.rows, s.focus.cols, s.id); break;
            case Focus::Kind::none: break;
        }
    }
    if (!any) {
        reveal_.clear();
        return;
    }
    // Cells a write touched without focusing them (e.g. the whole matrix written by a step
    // whose focus is elsewhere) appear with the last revealing step.
    for (auto& r : reveal_)
        if (r == unset) r = last_;
}

}  // namespace attn::ui
