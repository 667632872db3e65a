// step_player.cpp
#include "step_player.hpp"

#include <algorithm>
#include <cmath>

namespace attn::ui {

void StepPlayer::set_count(std::size_t n) {
    // A player showing the last step keeps showing the last step (the finished result) when a
    // recompute changes the number of steps.
    const bool was_at_end = count_ > 0 && index_ + 1 == count_;
    count_ = n;
    index_ = n == 0 ? 0 : was_at_end ? n - 1 : std::min(index_, n - 1);
    if (n == 0 && follow_ != Follow::growing) playing_ = false;
}

void StepPlayer::go(std::size_t i) {
    index_ = count_ == 0 ? 0 : std::min(i, count_ - 1);
    carry_ = 0.0;
}

void StepPlayer::toggle_play() {
    if (playing_) {
        playing_ = false;
        return;
    }
    if (count_ == 0) return;
    if (at_end()) go(0);
    playing_ = true;
    carry_ = 0.0;
}

void StepPlayer::set_speed(float s) {
    if (!std::isfinite(s)) return;
    speed_ = std::clamp(s, 0.25f, 500.0f);
}

bool StepPlayer::update(double dt) {
    if (!playing_ || !(dt > 0)) return false;
    if (count_ == 0 || (follow_ == Follow::growing && at_end())) {  // waiting for the next steps
        carry_ = 0.0;
        return false;
    }
    carry_ += std::min(dt, 1.0) * speed_;  // a long stall (tab in background) does not jump ahead
    const auto steps = static_cast<std::size_t>(carry_);
    if (steps == 0) return false;
    carry_ -= static_cast<double>(steps);
    const std::size_t before = index_;
    index_ = std::min(index_ + steps, count_ - 1);
    if (at_end() && follow_ != Follow::growing) playing_ = false;
    return index_ != before;
}

}  // namespace attn::ui
