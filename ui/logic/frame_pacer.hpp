// frame_pacer.hpp: how long a live lesson may work in the next frame.
//
// The work shares the frame with everything else (building the UI, rendering, the display's
// pace), so a fixed slice can miss the frame rate on a slow machine: with software rendering
// taking 13 ms a frame, 8 ms of training makes 21 ms frames (48 fps). The pacer steers the
// slice so that whole frames last target_ms: after each frame it adds gain · (target − dt),
// within [kMinMs, max_ms]. Frames longer than kStallMs (a background tab, a debugger) are
// ignored. Pure logic, unit tested.
#pragma once

namespace attn::ui {

class FramePacer {
public:
    static constexpr double kMinMs = 1.0, kStallMs = 250.0, kGain = 0.5, kSlowShare = 0.15;

    // max_ms: the largest slice (default 8 ms of a 16 ms frame); target_ms: the frame time to
    // keep. A shell whose frames the display paces (the browser's requestAnimationFrame) sets a
    // target a little above the refresh period, so frames that are on time never shrink it.
    explicit FramePacer(double max_ms = 8.0, double target_ms = 1000.0 / 60.0 + 1.0);

    double budget_ms() const { return budget_; }
    double max_ms() const { return max_; }
    double target_ms() const { return target_; }
    // Both refuse values outside 1..100 ms (returning false) and keep the old one.
    bool set_max_ms(double ms);
    bool set_target_ms(double ms);

    // The previous frame, start to start, in ms (its slice included).
    void frame_took(double dt_ms);
    // The same, knowing how long the work took in it. When the rest of the frame alone
    // (dt − work: building the UI, rendering) is longer than the target, no slice can meet the
    // target; the slice then keeps at least kSlowShare of that rest instead of starving at kMinMs:
    // on a renderer that is slow anyway the work goes on, at the cost of at most that share of the
    // frame rate (software WebGL here: 28 ms of rest, a 4 ms slice, 31 frames per second).
    void frame_took(double dt_ms, double work_ms);
    // Work stopped (paused, hidden): the next run starts from the full slice again.
    void reset() { budget_ = max_; }

private:
    double max_, target_, budget_;
};

}  // namespace attn::ui
