// pulse_lesson.hpp: a lesson for test builds only (never shipped): it proves the per-frame
// hook of live lessons. While running it works in small units (a softmax of a moving score
// pattern) until the frame's budget is spent, and records one step per update: appended to a
// growing trace, or as a new trace that replaces the old one.
#pragma once

#include <cstddef>

#include "lesson.hpp"

namespace attn::ui::test {

class PulseLesson final : public Lesson {
public:
    PulseLesson();
    const char* id() const override { return "pulse"; }
    const char* title() const override { return "Pulse (test)"; }
    void explain() override;
    void recompute() override;
    void view(const LessonContext& ctx) override;
    ShownMatrix shown_matrix(std::size_t step) const override;

    bool live() const override { return running_; }
    void advance(const FrameBudget& budget) override;
    TraceFollow trace_follow() const override { return follow_ == 0 ? TraceFollow::growing : TraceFollow::replaced; }
    void hidden() override;

    // What the tests read.
    std::size_t advances = 0;        // advance() calls
    std::size_t units = 0;           // work units done in all
    double last_ms = 0, max_ms = 0;  // time spent in advance(): last call, longest call
    double max_budget_ms = 0;        // the largest budget given
    std::size_t hides = 0;           // hidden() calls
    bool running() const { return running_; }
    void set_running(bool r) { running_ = r; }

private:
    void unit();  // one unit of work: ~0.05 ms

    bool running_;
    int follow_;  // 0 growing, 1 replaced
    int n_;
    double phase_ = 0;
    Matrix scores_, weights_;
};

std::unique_ptr<Lesson> make_pulse_lesson();

}  // namespace attn::ui::test
