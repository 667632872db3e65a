// flow.hpp: rows of buttons that wrap like words. On a phone a row of five buttons is wider than
// the screen; ImGui::SameLine() would put the rest past the right edge, out of reach. Between two
// items, flow_same_line(width of the next one) keeps the row going while the next item fits in the
// window's content region and starts a new line when it does not.
#pragma once

namespace attn::ui {

// The width of ImGui::Button(label) with the current font and style.
float button_width(const char* label);

// Call between two items: SameLine() if an item `next_width` wide fits after the last one.
void flow_same_line(float next_width);

// flow_same_line for a button with this label.
inline void flow_same_line(const char* next_button) { flow_same_line(button_width(next_button)); }

}  // namespace attn::ui
