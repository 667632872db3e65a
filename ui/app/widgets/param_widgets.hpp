// param_widgets.hpp: the widgets of a ParamSet (ui/logic/params.hpp), drawn from the
// declarations: sliders (linear or logarithmic, clamped to the declared range), checkboxes,
// combos, and seed boxes with − and + buttons, with their headings, notes and tooltips.
//
// The app draws every lesson's group "" just before the lesson's controls(); a lesson that
// puts widgets of its own between its parameters declares the later ones in a named group and
// draws that group itself, from controls().
#pragma once

#include <string>
#include <vector>

#include "params.hpp"

namespace attn::ui {

// Draws the parameters of `group` in declaration order. Returns true when a value that needs
// a recompute changed (the caller marks the lesson changed).
bool draw_params(ParamSet& params, const std::string& group = "");

// Where each parameter's widget was drawn (ImGui screen coordinates), and the lessons' own text
// fields, for state() and the browser tests that drag sliders and type on a touch screen.
struct ParamRect {
    std::string name;
    const char* kind;  // "slider", "checkbox", "combo", "seed", "text"
    float x0, y0, x1, y1;
};
const std::vector<ParamRect>& param_rects_last_frame();
// The app starts each frame with this: what was recorded becomes the last frame's.
void param_rects_new_frame();
// Records the last item drawn as a widget (a lesson's own text field) under `name`.
void record_widget(const std::string& name, const char* kind);

}  // namespace attn::ui
