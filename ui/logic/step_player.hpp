// step_player.hpp: the first / previous / next / last / play controls shared by every lesson.
// Pure logic (no ImGui, no GL) so it is unit tested.
#pragma once

#include <cstddef>

namespace attn::ui {

class StepPlayer {
public:
    // How the trace behind the player changes (see TraceFollow in ui/app/lesson.hpp).
    enum class Follow {
        fixed,     // replaced only when a parameter changes
        growing,   // a live lesson appends steps: a player on the last step follows the new ones,
                   // and playing waits at the end for more instead of stopping
        replaced,  // a live lesson replaces the trace on each update: the player keeps its
                   // step, so the learner watches the same stage change update after update
    };
    void set_follow(Follow f) { follow_ = f; }
    Follow follow() const { return follow_; }
    bool live() const { return follow_ != Follow::fixed; }

    // Number of steps; the index is clamped into range (0 when there are none), and an index
    // on the last step moves to the new last step.
    void set_count(std::size_t n);
    std::size_t count() const { return count_; }
    std::size_t index() const { return index_; }
    bool at_end() const { return count_ == 0 || index_ + 1 >= count_; }

    void first() { go(0); }
    void last() { go(count_ == 0 ? 0 : count_ - 1); }
    void next() { go(index_ + 1); }
    void prev() { go(index_ == 0 ? 0 : index_ - 1); }
    void go(std::size_t i);

    bool playing() const { return playing_; }
    // Play from the start when at the end; pause otherwise.
    void toggle_play();
    void pause() { playing_ = false; }

    // Steps per second while playing (0.25 .. 500).
    float speed() const { return speed_; }
    void set_speed(float steps_per_second);

    // Advance by elapsed seconds while playing; returns true when the index changed.
    // Stops at the last step, except while following a growing trace.
    bool update(double dt);

private:
    std::size_t count_ = 0, index_ = 0;
    bool playing_ = false;
    Follow follow_ = Follow::fixed;
    float speed_ = 4.0f;
    double carry_ = 0.0;
};

}  // namespace attn::ui
