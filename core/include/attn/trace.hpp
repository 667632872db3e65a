// trace.hpp: an optional recorder of every step of a computation, for the step-through UI.
//
// Every computation in the core takes a Trace* (nullptr = the fast path, nothing recorded).
// A step has an id, a title, a formula in plain Unicode, the named matrices it reads and
// writes, a focus (the row, column, cell or tile being computed), the scalars it produced
// (e.g. a cell's value, a row's max and sum), and optional snapshots of small matrices as they
// are after the step (e.g. the running output of a tile). The trace also keeps the final value
// of every named matrix, so a viewer can show "everything up to step k" from the focus.
//
// Detail levels keep traces of large inputs bounded: cells (one step per product cell and
// softmax element), rows (one per row), coarse (one per stage). max_steps caps the total;
// past it steps are dropped and truncated() says so.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "attn/matrix.hpp"

namespace attn {

struct Focus {
    enum class Kind { none, row, column, cell, tile };
    Kind kind = Kind::none;
    std::string matrix;  // which named matrix the focus is in
    std::size_t row = 0, col = 0;
    std::size_t rows = 1, cols = 1;  // extent, for tiles

    static Focus none() { return {}; }
    static Focus on_row(std::string m, std::size_t r) { return {Kind::row, std::move(m), r, 0, 1, 0}; }
    static Focus on_column(std::string m, std::size_t c) { return {Kind::column, std::move(m), 0, c, 0, 1}; }
    static Focus on_cell(std::string m, std::size_t r, std::size_t c) { return {Kind::cell, std::move(m), r, c, 1, 1}; }
    static Focus on_tile(std::string m, std::size_t r, std::size_t c, std::size_t nr, std::size_t nc) {
        return {Kind::tile, std::move(m), r, c, nr, nc};
    }
};

struct Step {
    std::size_t id = 0;
    std::string title;
    std::string formula;
    std::vector<std::string> reads, writes;
    Focus focus;
    std::vector<std::pair<std::string, double>> values;
    std::vector<std::pair<std::string, Matrix>> snapshots;

    Step& value(std::string name, double x) {
        values.emplace_back(std::move(name), x);
        return *this;
    }
    Step& snapshot(std::string name, ConstMatrixView m) {
        snapshots.emplace_back(std::move(name), Matrix::copy_of(m));
        return *this;
    }
};

class Trace {
public:
    enum class Detail { coarse, rows, cells };

    explicit Trace(Detail detail = Detail::cells, std::size_t max_steps = 100000)
        : detail_(detail), max_steps_(max_steps) {}

    Detail detail() const { return detail_; }
    bool wants_rows() const { return detail_ != Detail::coarse; }
    bool wants_cells() const { return detail_ == Detail::cells; }

    // Records a step and returns it for .value()/.snapshot() chaining. Past max_steps the step
    // goes to a scratch slot that is discarded, and truncated() turns true.
    Step& add(std::string title, std::string formula, std::vector<std::string> reads, std::vector<std::string> writes,
              Focus focus = Focus::none());

    // Final (or current) value of a named matrix ("Q", "scores", "weights", ...). Storage is
    // reused across clear() (a UI recomputing a 2048×2048 view keeps its buffers).
    void set_matrix(const std::string& name, ConstMatrixView m);
    const Matrix* matrix(const std::string& name) const;
    const std::map<std::string, Matrix>& matrices() const { return matrices_; }

    const std::vector<Step>& steps() const { return steps_; }
    bool truncated() const { return truncated_; }
    void clear();

    // Prefix for matrix names and titles while a sub-computation runs ("head 2: ").
    void set_prefix(std::string p) { prefix_ = std::move(p); }
    const std::string& prefix() const { return prefix_; }

private:
    Detail detail_;
    std::size_t max_steps_;
    std::vector<Step> steps_;
    Step scratch_;
    bool truncated_ = false;
    std::map<std::string, Matrix> matrices_;
    std::map<std::string, Matrix> spare_;  // storage kept by clear() for the next computation
    std::string prefix_;
};

}  // namespace attn
