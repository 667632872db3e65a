// trace.hpp: an optional recorder of every step of a computation, for the step-through UI.
//
// Every computation in the core takes a Trace* (nullptr = the fast path, nothing recorded).
// A step has an id, a typed kind with its indices (which head, which decoder step; the focus
// holds the row, column, cell or tile), a title, a formula in plain Unicode, the named matrices it reads and
// writes, a focus (the row, column, cell or tile being computed), the scalars it produced
// (e.g. a cell's value, a row's max and sum), and optional snapshots of small matrices as they
// are after the step (e.g. the running output of a tile). The trace also keeps the final value
// of every named matrix, so a viewer can show "everything up to step k" from the focus.
//
// Detail levels keep traces of large inputs bounded: cells (one step per product cell and
// softmax element), rows (one per row), coarse (one per stage). max_steps caps the total;
// past it steps are dropped and truncated() says so.
//
// Views decide what to draw from a step's kind and indices, never from its title: the title and
// formula are for people.
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

// What a step does. Views react to the kind (e.g. hatch a skipped tile, follow a head, show a
// decoder step's stage); every recorder names one.
enum class StepKind : unsigned char {
    note,             // inputs, context or a check: no computation of its own
    projection,       // a linear map of whole matrices (Q, K, V, the output projection, embeddings)
    scores,           // every score at once
    score_row,        // the scores of one query (focus: its row)
    score_cell,       // one score (focus: the cell)
    softmax,          // every row's softmax at once
    softmax_row,      // one row's softmax, or one stage of it (max, exponentials, sum, normalise)
    masked_row,       // a fully masked row: zero weights
    weighted_sum,     // every output row at once: O = α·V
    output_row,       // one query's output (or a decoder step's context)
    head_output,      // a head's block of concat: α_h V_h
    head_off,         // a head switched off: its block of concat is 0
    concat,           // the heads side by side
    tile_scores,      // tiled: the scores of one (query block, key tile)
    tile_skipped,     // tiled: a tile whose every entry is masked, not computed
    tile_rescale,     // tiled: running max and rescale factors
    tile_accumulate,  // tiled: exponentials and running sum
    tile_output,      // tiled: partial output O' = α·O + P·V
    tile_update,      // tiled, coarse: the three stages of a tile at once
    tile_normalise,   // tiled: o = O / l for a block of queries
    tiled,            // tiled, coarse: the whole computation
    pool,             // convolutional: pooling (average, max; over space or over channels)
    mlp,              // convolutional: the excitation / shared MLP
    gate,             // convolutional: sigmoid weights (per channel or per pixel)
    convolution,      // convolutional: the spatial k×k convolution
    apply_gate,       // convolutional: weights times features (one channel, or all)
    // Training (one optimizer step of attn::Transformer, shown for one sequence of the batch):
    embed,             // token embeddings plus positions: the first layer's input
    layer_output,      // a layer's residual stream after a branch (attention or feed-forward)
    logits,            // head(norm(x)): the logits at every position
    loss,              // the loss of the batch (and of the shown sequence)
    loss_grad,         // ∂loss/∂logits
    grad_flow,         // the gradient reaching a layer's output, or a head's output dO
    grad_values,       // dV = Pᵀ·dO
    grad_weights,      // dP = dO·Vᵀ (focus: one cell, one row, or none for all)
    grad_row_sum,      // rowsum(dP ⊙ P) of one query (focus: its row)
    grad_scores,       // dS = P ⊙ (dP − rowsum(dP ⊙ P)) (focus: one cell, one row, or none)
    grad_queries,      // dQ = dS·K·s
    grad_keys,         // dK = dSᵀ·Q·s
    grad_parameter,    // the gradient of a parameter tensor over the batch (e.g. W_q of a head)
    optimizer_update,  // the optimizer's update of one weight (Adam: m, v, bias corrections)
    // Encoder–decoder (a trained translator, one decoder step at a time):
    encode,         // the encoder's states of every source position (and the decoder's s₀)
    decoder_state,  // a decoder step's new state s_t = GRUCell([emb(y_{t−1}); c_t], s_{t−1})
    predict_token,  // a decoder step's output distribution and the character it picks
};
const char* step_kind_name(StepKind k);

struct Step {
    std::size_t id = 0;
    StepKind kind = StepKind::note;
    long head = -1;  // the head this step belongs to (multi-head), −1 outside heads
    long t = -1;     // the decoder step (encoder–decoder lessons), −1 elsewhere
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
    // Marks the step as part of decoder step t (0-based).
    Step& at_decoder_step(std::size_t step) {
        t = static_cast<long>(step);
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
    // The step carries the head set by set_head() (−1 outside heads).
    Step& add(StepKind kind, std::string title, std::string formula, std::vector<std::string> reads,
              std::vector<std::string> writes, Focus focus = Focus::none());

    // Final (or current) value of a named matrix ("Q", "scores", "weights", ...). Storage is
    // reused across clear() (a UI recomputing a 2048×2048 view keeps its buffers).
    void set_matrix(const std::string& name, ConstMatrixView m);
    const Matrix* matrix(const std::string& name) const;
    const std::map<std::string, Matrix>& matrices() const { return matrices_; }

    const std::vector<Step>& steps() const { return steps_; }
    bool truncated() const { return truncated_; }
    // Drops the steps and matrices but keeps their storage for the next computation.
    void clear();
    // clear(), then record at another detail or cap: a UI switching detail keeps its buffers.
    void reset(Detail detail, std::size_t max_steps);
    std::size_t max_steps() const { return max_steps_; }

    // While a head's sub-computation runs: its index (stamped on each step) and the prefix of
    // its matrix names and titles ("head 2: "). end_head() returns to the whole layer.
    void begin_head(std::size_t h);
    void end_head();
    long head() const { return head_; }
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
    long head_ = -1;
};

}  // namespace attn
