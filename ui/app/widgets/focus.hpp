// focus.hpp: what the widget holding keyboard focus says, for the page's screen-reader mirror
// (state().focus; web/a11y.js reads it out). ImGui draws to a canvas, so a widget that can be
// focused describes itself in words right after it is drawn: "tokens n: 8", "next step".
//
// Per ImGui frame, like ImGui's own per-frame state: the App clears it before it builds a frame
// and takes it after; describe_focus() keeps the text only when ImGui reports the last item
// focused (keyboard navigation, or the last click). A focused widget that describes itself no
// further is named by its label ("One step"), which ImGui's item hooks report (focus.cpp).
#pragma once

#include <string>

namespace attn::ui {

void describe_focus(const std::string& text);  // call right after the item
void clear_focus();
std::string take_focus();

}  // namespace attn::ui
