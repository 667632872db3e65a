// trace.cpp: the step recorder.
#include "attn/trace.hpp"

#include <algorithm>

namespace attn {

const char* step_kind_name(StepKind k) {
    switch (k) {
        case StepKind::note: return "note";
        case StepKind::projection: return "projection";
        case StepKind::scores: return "scores";
        case StepKind::score_row: return "score_row";
        case StepKind::score_cell: return "score_cell";
        case StepKind::softmax: return "softmax";
        case StepKind::softmax_row: return "softmax_row";
        case StepKind::masked_row: return "masked_row";
        case StepKind::weighted_sum: return "weighted_sum";
        case StepKind::output_row: return "output_row";
        case StepKind::head_output: return "head_output";
        case StepKind::head_off: return "head_off";
        case StepKind::concat: return "concat";
        case StepKind::tile_scores: return "tile_scores";
        case StepKind::tile_skipped: return "tile_skipped";
        case StepKind::tile_rescale: return "tile_rescale";
        case StepKind::tile_accumulate: return "tile_accumulate";
        case StepKind::tile_output: return "tile_output";
        case StepKind::tile_update: return "tile_update";
        case StepKind::tile_normalise: return "tile_normalise";
        case StepKind::tiled: return "tiled";
        case StepKind::pool: return "pool";
        case StepKind::mlp: return "mlp";
        case StepKind::gate: return "gate";
        case StepKind::convolution: return "convolution";
        case StepKind::apply_gate: return "apply_gate";
        case StepKind::embed: return "embed";
        case StepKind::layer_output: return "layer_output";
        case StepKind::logits: return "logits";
        case StepKind::loss: return "loss";
        case StepKind::loss_grad: return "loss_grad";
        case StepKind::grad_flow: return "grad_flow";
        case StepKind::grad_values: return "grad_values";
        case StepKind::grad_weights: return "grad_weights";
        case StepKind::grad_row_sum: return "grad_row_sum";
        case StepKind::grad_scores: return "grad_scores";
        case StepKind::grad_queries: return "grad_queries";
        case StepKind::grad_keys: return "grad_keys";
        case StepKind::grad_parameter: return "grad_parameter";
        case StepKind::optimizer_update: return "optimizer_update";
        case StepKind::encode: return "encode";
        case StepKind::decoder_state: return "decoder_state";
        case StepKind::predict_token: return "predict_token";
    }
    return "note";
}

Step& Trace::add(StepKind kind, std::string title, std::string formula, std::vector<std::string> reads,
                 std::vector<std::string> writes, Focus focus) {
    if (steps_.size() >= max_steps_) {
        truncated_ = true;
        scratch_ = Step{};
        return scratch_;
    }
    Step s;
    s.id = steps_.size();
    s.kind = kind;
    s.head = head_;
    s.title = prefix_ + std::move(title);
    s.formula = std::move(formula);
    for (auto& r : reads) r = prefix_ + r;
    for (auto& w : writes) w = prefix_ + w;
    s.reads = std::move(reads);
    s.writes = std::move(writes);
    if (focus.kind != Focus::Kind::none) focus.matrix = prefix_ + focus.matrix;
    s.focus = std::move(focus);
    steps_.push_back(std::move(s));
    return steps_.back();
}

void Trace::set_matrix(const std::string& name, ConstMatrixView m) {
    const std::string key = prefix_ + name;
    auto it = matrices_.find(key);
    if (it == matrices_.end()) {
        Matrix storage;
        if (auto sp = spare_.find(key); sp != spare_.end()) {
            storage = std::move(sp->second);
            spare_.erase(sp);
        }
        it = matrices_.emplace(key, std::move(storage)).first;
    }
    Matrix& dst = it->second;
    dst.resize(m.rows, m.cols);
    for (std::size_t i = 0; i < m.rows; ++i) std::copy(m.row(i), m.row(i) + m.cols, dst.row(i));
}

const Matrix* Trace::matrix(const std::string& name) const {
    auto it = matrices_.find(name);
    return it == matrices_.end() ? nullptr : &it->second;
}

void Trace::clear() {
    steps_.clear();
    for (auto& [name, m] : matrices_) spare_[name] = std::move(m);
    matrices_.clear();
    truncated_ = false;
    prefix_.clear();
    head_ = -1;
}

void Trace::reset(Detail detail, std::size_t max_steps) {
    clear();
    detail_ = detail;
    max_steps_ = max_steps;
}

void Trace::begin_head(std::size_t h) {
    head_ = static_cast<long>(h);
    prefix_ = "head " + std::to_string(h) + ": ";
}

void Trace::end_head() {
    head_ = -1;
    prefix_.clear();
}

}  // namespace attn
