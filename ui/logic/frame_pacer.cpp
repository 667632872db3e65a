// frame_pacer.cpp
#include "frame_pacer.hpp"

#include <algorithm>
#include <cmath>

namespace attn::ui {

namespace {
bool in_range(double ms) { return std::isfinite(ms) && ms >= 1.0 && ms <= 100.0; }
}  // namespace

FramePacer::FramePacer(double max_ms, double target_ms) : max_(max_ms), target_(target_ms), budget_(max_ms) {}

bool FramePacer::set_max_ms(double ms) {
    if (!in_range(ms)) return false;
    max_ = ms;
    budget_ = std::min(budget_, max_);
    return true;
}

bool FramePacer::set_target_ms(double ms) {
    if (!in_range(ms)) return false;
    target_ = ms;
    return true;
}

void FramePacer::frame_took(double dt_ms) {
    if (!(dt_ms > 0.0) || dt_ms > kStallMs) return;
    budget_ = std::clamp(budget_ + kGain * (target_ - dt_ms), kMinMs, max_);
}

void FramePacer::frame_took(double dt_ms, double work_ms) {
    if (!(dt_ms > 0.0) || dt_ms > kStallMs) return;
    const double rest = dt_ms - work_ms;
    const double floor = std::isfinite(work_ms) && work_ms >= 0.0 && rest > target_
                             ? std::clamp(kSlowShare * rest, kMinMs, max_)
                             : kMinMs;
    budget_ = std::clamp(budget_ + kGain * (target_ - dt_ms), floor, max_);
}

}  // namespace attn::ui
