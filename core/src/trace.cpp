// trace.cpp: the step recorder.
#include "attn/trace.hpp"

#include <algorithm>

namespace attn {

Step& Trace::add(std::string title, std::string formula, std::vector<std::string> reads,
                 std::vector<std::string> writes, Focus focus) {
    if (steps_.size() >= max_steps_) {
        truncated_ = true;
        scratch_ = Step{};
        return scratch_;
    }
    Step s;
    s.id = steps_.size();
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
}

}  // namespace attn
