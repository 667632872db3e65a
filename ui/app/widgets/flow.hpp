// flow.hpp: rows of buttons that wrap like words. On a phone a row of five buttons is wider than
// the screen; ImGui::SameLine() would put the rest past the right edge, out of reach. Between two
// items, flow_same_line(width of the next one) keeps the row going while the next item fits in the
// window's content region and starts a new line when it does not.
#pragma once

namespace attn::ui {

// The width of ImGui::Button(label) with the current font and style.
float button_width(const char* label);

// The right edge of the window's visible content region, in screen coordinates (not of its
// content: a window that scrolls sideways is as wide as its widest item).
float visible_right_edge();

// PushTextWrapPos at the visible right edge: wrapped text (TextWrapped, or TextUnformatted in
// between) breaks where the window ends on screen, not where its widest content ends (ImGui's
// default in a window with a horizontal scrollbar, which a wide title keeps wide). Pop with
// ImGui::PopTextWrapPos().
void push_wrap_at_visible_edge();

// Whether `width` more fits on the line after the last item, `spacing` before it (< 0: the style's).
bool fits_after_last_item(float width, float spacing = -1.0f);

// Call between two items: SameLine(0, spacing) if an item `next_width` wide fits after the last one
// with that spacing (< 0: the style's item spacing); returns whether it did.
bool flow_same_line(float next_width, float spacing = -1.0f);

// flow_same_line for a button with this label.
inline bool flow_same_line(const char* next_button) { return flow_same_line(button_width(next_button)); }

}  // namespace attn::ui
