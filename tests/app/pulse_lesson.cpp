// pulse_lesson.cpp: see pulse_lesson.hpp. Registered before main() in the test programs that
// link this file (attn_app_tests, attnlab-desktop-test), never in the shipped app.
#include "pulse_lesson.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "attn/kernels.hpp"

namespace attn::ui::test {

PulseLesson::PulseLesson() {
    params_.add_bool("running", &running_, true).label("running");
    params_.add_choice("follow", &follow_, {"growing", "replaced"}, 0).label("trace");
    params_.add_int("n", &n_, 4, 256, 48).label("size n");
}

void PulseLesson::explain() { ImGui::TextUnformatted("Pulse: a moving softmax, for testing live lessons."); }

void PulseLesson::recompute() {
    const auto n = static_cast<std::size_t>(n_);
    scores_.resize(n, n);
    weights_.resize(n, n);
    unit();
    trace_.set_matrix("weights", weights_);
    trace_.add(StepKind::softmax, "pulse at rest", "α = softmax(S(φ))", {}, {"weights"});
}

// S_ij = 4 sin(0.3 i + φ) cos(0.2 j − φ); α = row softmax of S; φ advances by 0.02 per unit.
void PulseLesson::unit() {
    phase_ += 0.02;
    for (std::size_t i = 0; i < scores_.rows(); ++i)
        for (std::size_t j = 0; j < scores_.cols(); ++j)
            scores_(i, j) =
                static_cast<float>(4.0 * std::sin(0.3 * double(i) + phase_) * std::cos(0.2 * double(j) - phase_));
    for (std::size_t i = 0; i < scores_.rows(); ++i) {
        std::copy(scores_.row(i), scores_.row(i) + scores_.cols(), weights_.row(i));
        softmax_row(weights_.row(i), weights_.cols());
    }
    ++units;
}

void PulseLesson::advance(const FrameBudget& budget) {
    ++advances;
    max_budget_ms = std::max(max_budget_ms, budget.ms());
    do unit();
    while (!budget.exhausted());
    const std::string update = "pulse update " + std::to_string(advances);
    if (follow_ == 1) {  // replaced: a new trace of three steps per update
        trace_.clear();
        trace_.set_matrix("scores", scores_);
        trace_.set_matrix("weights", weights_);
        trace_.add(StepKind::scores, update + ": scores", "S_ij = 4 sin(0.3 i + φ) cos(0.2 j − φ)", {}, {"scores"});
        trace_.add(StepKind::softmax, update + ": weights", "α = softmax(S)", {"scores"}, {"weights"});
        trace_.add(StepKind::note, update + ": done", "φ = " + std::to_string(phase_), {}, {}).value("φ", phase_);
    } else {  // growing: one step appended per update, at most 10000, then start over
        if (trace_.steps().size() >= 10000) trace_.clear();
        trace_.set_matrix("weights", weights_);
        trace_.add(StepKind::softmax, update, "α = softmax(S(φ))", {}, {"weights"}).value("φ", phase_);
    }
    touched();
    last_ms = budget.elapsed_ms();
    max_ms = std::max(max_ms, last_ms);
}

void PulseLesson::hidden() {
    ++hides;
    running_ = false;
}

void PulseLesson::view(const LessonContext& ctx) {
    step_panel(ctx.step);
    ImGui::Text("advance: %zu calls, %zu units, last %.2f ms, longest %.2f ms", advances, units, last_ms, max_ms);
    const float w = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 30);
    matrix_view("weights α", "weights", weights_, ctx, ImVec2(w, w));
}

ShownMatrix PulseLesson::shown_matrix(std::size_t) const { return {"weights", weights_, {}, {}}; }

std::unique_ptr<Lesson> make_pulse_lesson() { return std::make_unique<PulseLesson>(); }

namespace {
[[maybe_unused]] const bool registered = (register_extra_lesson(&make_pulse_lesson), true);
}  // namespace

}  // namespace attn::ui::test
