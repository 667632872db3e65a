// shipped_models.cpp: fetching state of a shipped model (see shipped_models.hpp).
#include "shipped_models.hpp"

#include <exception>

namespace attn::ui {

bool ModelAsset::begin() {
    if (state_ != State::idle) return false;
    state_ = State::loading;
    return true;
}

void ModelAsset::deliver(const std::string& bytes, const std::string& error) {
    const std::string prefix = "could not load the trained model " + path_ + ": ";
    file_.reset();
    seq2seq_file_.reset();
    if (!error.empty()) {
        state_ = State::failed;
        error_ = prefix + error;
        return;
    }
    if (seq2seq_) {
        try {
            auto f = std::make_unique<Seq2SeqFile>(read_seq2seq_file(bytes));
            if (f->task != "dates") {
                state_ = State::failed;
                error_ = prefix + "it was trained on " + f->task + ", expected dates";
                return;
            }
            seq2seq_file_ = std::move(f);
            state_ = State::ready;
            error_.clear();
        } catch (const std::exception& e) {
            state_ = State::failed;
            error_ = prefix + e.what();
        }
        return;
    }
    try {
        auto f = std::make_unique<ModelFile>(read_model_file(bytes));
        if (f->config.task.kind != task_) {
            state_ = State::failed;
            error_ = prefix + "it was trained on " + task_name(f->config.task.kind) + ", expected " + task_name(task_);
            return;
        }
        file_ = std::move(f);
        state_ = State::ready;
        error_.clear();
    } catch (const std::exception& e) {
        state_ = State::failed;
        error_ = prefix + e.what();
    }
}

void ModelAsset::retry() {
    if (state_ == State::failed) state_ = State::idle;
}

const char* ModelAsset::state_name() const {
    switch (state_) {
        case State::idle: return "idle";
        case State::loading: return "loading";
        case State::ready: return "ready";
        case State::failed: return "failed";
    }
    return "idle";
}

}  // namespace attn::ui
